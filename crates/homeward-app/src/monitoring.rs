//! Detention monitoring (issue 6, first slice): a person's legal status derived from their
//! timeline, and the access gap: how long since independent visitors, or family, last
//! reached each detainee.
//!
//! Date rule used throughout: an event or visit counts "as of" a date if its earliest
//! possible day is on or before that date's latest day. A source that says "2024" for a
//! capture is thus taken into account by 2024-06-01; the alternative (only events certainly
//! before) would hide most year-precision captures for a whole year.

use std::collections::{BTreeMap, HashSet};

use homeward_domain::{Category, Event, EventKind, Id, LegalStatus, PartialDate};
use homeward_store::{Store, StoreError};

/// A person's legal status at one point of their timeline.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LegalStatusAt {
    /// The last legal status held (kept after release, so reports can say "released POW").
    pub status: LegalStatus,
    /// When the status (or release, or death) took effect, as the basis event dates it.
    pub since: Option<PartialDate>,
    /// The event the status rests on.
    pub basis: Option<Id>,
    /// Whether the basis event is disputed by another source.
    pub contested: bool,
    /// Whether the person has been released, repatriated or exchanged since the status began.
    pub released: bool,
    /// Whether the timeline ends (death in custody, remains handed over).
    pub ended: bool,
}

impl LegalStatusAt {
    /// The state before any event: nothing known.
    fn unknown() -> Self {
        LegalStatusAt {
            status: LegalStatus::Unknown,
            since: None,
            basis: None,
            contested: false,
            released: false,
            ended: false,
        }
    }
}

/// The legal status a category implies at capture: combatants are prisoners of war, anyone
/// else is a civilian internee until a source says otherwise.
fn status_at_capture(category: Category) -> LegalStatus {
    match category {
        Category::Military => LegalStatus::PrisonerOfWar,
        _ => LegalStatus::CivilianInternee,
    }
}

/// Every state change of a timeline, counting only events whose earliest day is at most
/// `cutoff` (a day number) when one is given.
fn derive(events: &[Event], category: Category, cutoff: Option<i64>) -> Vec<LegalStatusAt> {
    let present: HashSet<&Id> = events.iter().map(|e| &e.id).collect();
    // Events that take part in a dispute, on either side.
    let mut disputed: HashSet<&Id> = HashSet::new();
    for e in events {
        if let Some(target) = &e.contests {
            disputed.insert(&e.id);
            disputed.insert(target);
        }
    }
    // When a contesting event's target is in the timeline, the earlier report wins and the
    // contesting one only raises the flag; a lone contesting event is all we have, so it counts.
    let mut used: Vec<&Event> = events
        .iter()
        .filter(|e| !matches!(&e.contests, Some(t) if present.contains(t)))
        .filter(|e| !matches!(cutoff, Some(c) if e.date.earliest_day() > c))
        .collect();
    // Stable: same-date events keep the order of the typical case (capture before release).
    used.sort_by(|a, b| a.date.cmp(&b.date).then(a.kind.cmp(&b.kind)));

    let mut history = Vec::new();
    let mut cur = LegalStatusAt::unknown();
    for e in used {
        if cur.ended {
            break;
        }
        let mut next = cur.clone();
        match e.kind {
            EventKind::Capture => {
                next.status = status_at_capture(category);
                next.released = false;
            }
            EventKind::Charge | EventKind::Trial => {
                // A trial after sentence (appeal) does not undo the conviction.
                if cur.status != LegalStatus::Convicted || cur.released {
                    next.status = LegalStatus::Accused;
                }
                next.released = false;
            }
            EventKind::Sentence => {
                next.status = LegalStatus::Convicted;
                next.released = false;
            }
            EventKind::Release | EventKind::Repatriation | EventKind::PrisonerExchange => {
                next.released = true;
            }
            EventKind::DeathInCustody | EventKind::RemainsHandedOver => next.ended = true,
            EventKind::Registration | EventKind::Transfer => continue,
        }
        if (next.status, next.released, next.ended) == (cur.status, cur.released, cur.ended) {
            continue;
        }
        next.since = Some(e.date);
        next.basis = Some(e.id.clone());
        next.contested = disputed.contains(&e.id);
        history.push(next.clone());
        cur = next;
    }
    history
}

/// The legal status as of a date, derived from a person's timeline and category.
pub fn legal_status_as_of(
    events: &[Event],
    category: Category,
    as_of: &PartialDate,
) -> LegalStatusAt {
    derive(events, category, Some(as_of.latest_day()))
        .pop()
        .unwrap_or_else(LegalStatusAt::unknown)
}

/// Every change of legal status in a timeline, oldest first.
pub fn legal_status_history(events: &[Event], category: Category) -> Vec<LegalStatusAt> {
    derive(events, category, None)
}

/// The default number of days without a visit after which a detainee is overdue.
pub const DEFAULT_THRESHOLD_DAYS: i64 = 30;

/// One detainee's access gap.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PersonGap {
    /// The person.
    pub person_id: Id,
    /// Display name, only when the report was asked `with_names`.
    pub name: Option<String>,
    /// Date of the last visit that saw them.
    pub last_visit: PartialDate,
    /// Where they were last seen.
    pub last_place: Id,
    /// Days since that visit, the smaller bound (a gap is never overstated).
    pub days_since_visit: i64,
    /// Date of the last visit with a family call or delivered messages.
    pub last_family_contact: Option<PartialDate>,
    /// Days since that contact, the smaller bound.
    pub days_since_family_contact: Option<i64>,
    /// Whether the timeline says they are out of custody (released or dead) as of the report
    /// date; such persons are never overdue.
    pub out_of_custody: bool,
    /// Whether `days_since_visit` exceeds the threshold while still in custody.
    pub overdue: bool,
}

/// One place's access gap.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlaceGap {
    /// The place.
    pub place_id: Id,
    /// Its name (places are not personal data).
    pub name: String,
    /// Date of the last visit, if any.
    pub last_visit: Option<PartialDate>,
    /// Days since that visit, the smaller bound.
    pub days_since: Option<i64>,
    /// Persons whose last sighting was here.
    pub persons: Vec<Id>,
    /// How many of those are overdue.
    pub overdue: usize,
}

/// Totals of an access report.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct AccessTotals {
    /// Persons seen in any visit up to the report date.
    pub persons: usize,
    /// Of those, out of custody (released or dead) by their timeline.
    pub out_of_custody: usize,
    /// Of those, overdue.
    pub overdue: usize,
    /// Of those, never reached by family contact through a visit.
    pub no_family_contact: usize,
    /// Places of detention.
    pub places: usize,
    /// Places never visited or last visited more than the threshold ago.
    pub places_overdue: usize,
}

/// The access gap report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccessReport {
    /// The report date.
    pub as_of: PartialDate,
    /// Days without a visit beyond which a person or place is overdue.
    pub threshold_days: i64,
    /// Per person, by id.
    pub persons: BTreeMap<Id, PersonGap>,
    /// Per place, by id.
    pub places: BTreeMap<Id, PlaceGap>,
    /// Totals.
    pub totals: AccessTotals,
    /// The persons with the longest gaps (at most 10), longest first.
    pub longest: Vec<Id>,
}

/// How many persons `AccessReport::longest` lists.
const LONGEST: usize = 10;

/// Days since `d` as of `as_of`, the smaller bound, never negative (a partial date may
/// reach past the report date).
fn gap(d: &PartialDate, as_of: &PartialDate) -> i64 {
    d.days_since(as_of).0.max(0)
}

/// Whether `a` is a later sighting than `b`: by latest possible day, then by order.
fn later(a: &PartialDate, b: &PartialDate) -> bool {
    (a.latest_day(), *a) > (b.latest_day(), *b)
}

/// Computes the access gap of every person seen in a visit up to `as_of`, and of every place.
pub async fn access_gap(
    store: &dyn Store,
    as_of: PartialDate,
    threshold_days: i64,
    with_names: bool,
) -> Result<AccessReport, StoreError> {
    let cutoff = as_of.latest_day();
    let visits = store.visits().await?;
    let places = store.places().await?;

    // Person -> (last visit date, place), last family contact.
    let mut seen: BTreeMap<Id, (PartialDate, Id)> = BTreeMap::new();
    let mut family: BTreeMap<Id, PartialDate> = BTreeMap::new();
    let mut place_last: BTreeMap<Id, PartialDate> = BTreeMap::new();
    for v in visits.iter().filter(|v| v.date.earliest_day() <= cutoff) {
        match place_last.get(&v.place_id) {
            Some(d) if !later(&v.date, d) => {}
            _ => {
                place_last.insert(v.place_id.clone(), v.date);
            }
        }
        for f in &v.findings {
            let Some(p) = &f.person_id else { continue };
            match seen.get(p) {
                Some((d, _)) if !later(&v.date, d) => {}
                _ => {
                    seen.insert(p.clone(), (v.date, v.place_id.clone()));
                }
            }
            if f.family_call || f.messages_delivered > 0 {
                match family.get(p) {
                    Some(d) if !later(&v.date, d) => {}
                    _ => {
                        family.insert(p.clone(), v.date);
                    }
                }
            }
        }
    }

    let names: BTreeMap<Id, String> = if with_names {
        store.all_person_names().await?.into_iter().collect()
    } else {
        BTreeMap::new()
    };

    let mut report_places: BTreeMap<Id, PlaceGap> = places
        .into_iter()
        .map(|p| {
            let last = place_last.get(&p.id).copied();
            let gap = PlaceGap {
                place_id: p.id.clone(),
                name: p.name,
                last_visit: last,
                days_since: last.map(|d| gap(&d, &as_of)),
                persons: Vec::new(),
                overdue: 0,
            };
            (p.id, gap)
        })
        .collect();

    let mut persons = BTreeMap::new();
    let mut totals = AccessTotals::default();
    for (id, (date, place)) in seen {
        let days = gap(&date, &as_of);
        let fam = family.get(&id).copied();
        // Category does not affect release or death, only the kind of status. An unconfirmed
        // death claim must not silence the alert: the confirmed view only.
        let events = crate::casework::confirmed_view(store, &id).await?;
        let st = legal_status_as_of(&events, Category::Unknown, &as_of);
        let out_of_custody = st.released || st.ended;
        let overdue = !out_of_custody && days > threshold_days;
        if let Some(pg) = report_places.get_mut(&place) {
            pg.persons.push(id.clone());
            pg.overdue += usize::from(overdue);
        }
        totals.persons += 1;
        totals.overdue += usize::from(overdue);
        totals.out_of_custody += usize::from(out_of_custody);
        totals.no_family_contact += usize::from(fam.is_none());
        persons.insert(
            id.clone(),
            PersonGap {
                name: names.get(&id).cloned(),
                person_id: id,
                last_visit: date,
                last_place: place,
                days_since_visit: days,
                last_family_contact: fam,
                days_since_family_contact: fam.map(|d| gap(&d, &as_of)),
                out_of_custody,
                overdue,
            },
        );
    }
    totals.places = report_places.len();
    totals.places_overdue = report_places
        .values()
        .filter(|p| !matches!(p.days_since, Some(d) if d <= threshold_days))
        .count();

    // The longest gaps that matter are of persons still held.
    let mut order: Vec<&PersonGap> = persons.values().filter(|p| !p.out_of_custody).collect();
    order.sort_by(|a, b| {
        b.days_since_visit
            .cmp(&a.days_since_visit)
            .then(a.person_id.cmp(&b.person_id))
    });
    let longest = order
        .into_iter()
        .take(LONGEST)
        .map(|p| p.person_id.clone())
        .collect();

    Ok(AccessReport {
        as_of,
        threshold_days,
        persons,
        places: report_places,
        totals,
        longest,
    })
}

/// The report as JSON: totals, places, persons and the longest gaps.
pub fn to_json(r: &AccessReport) -> serde_json::Value {
    let person = |p: &PersonGap| {
        serde_json::json!({
            "person_id": p.person_id.as_str(),
            "name": p.name,
            "last_visit": p.last_visit.to_string(),
            "last_place": p.last_place.as_str(),
            "days_since_visit": p.days_since_visit,
            "last_family_contact": p.last_family_contact.map(|d| d.to_string()),
            "days_since_family_contact": p.days_since_family_contact,
            "out_of_custody": p.out_of_custody,
            "overdue": p.overdue,
        })
    };
    serde_json::json!({
        "as_of": r.as_of.to_string(),
        "threshold_days": r.threshold_days,
        "totals": {
            "persons": r.totals.persons,
            "out_of_custody": r.totals.out_of_custody,
            "overdue": r.totals.overdue,
            "no_family_contact": r.totals.no_family_contact,
            "places": r.totals.places,
            "places_overdue": r.totals.places_overdue,
        },
        "places": r.places.values().map(|p| serde_json::json!({
            "place_id": p.place_id.as_str(),
            "name": p.name,
            "last_visit": p.last_visit.map(|d| d.to_string()),
            "days_since": p.days_since,
            "persons": p.persons.len(),
            "overdue": p.overdue,
        })).collect::<Vec<_>>(),
        "persons": r.persons.values().map(person).collect::<Vec<_>>(),
        "longest": r.longest.iter().filter_map(|id| r.persons.get(id)).map(person).collect::<Vec<_>>(),
    })
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;
    use homeward_domain::{DetentionPlace, IdKind, Visit, VisitConditions, VisitFinding};
    use homeward_store::ChangeSet;
    use homeward_testkit::{batch, Ids};

    fn d(s: &str) -> PartialDate {
        s.parse().unwrap()
    }

    fn ev(ids: &mut Ids, p: &Id, kind: EventKind, date: &str, contests: Option<&Id>) -> Event {
        Event {
            id: ids.next(IdKind::Event),
            person_id: p.clone(),
            kind,
            date: d(date),
            source_id: ids.next(IdKind::Source),
            place_id: None,
            contests: contests.cloned(),
        }
    }

    #[test]
    fn legal_status_follows_the_timeline_and_flags_a_contested_capture() {
        let mut ids = Ids::new(7);
        let p = ids.next(IdKind::Person);
        let capture = ev(&mut ids, &p, EventKind::Capture, "2023-09-20", None);
        // Another source says the capture was a month earlier: it must not win, only flag.
        let dispute = ev(
            &mut ids,
            &p,
            EventKind::Capture,
            "2023-08-15",
            Some(&capture.id),
        );
        let charge = ev(&mut ids, &p, EventKind::Charge, "2024-02", None);
        let sentence = ev(&mut ids, &p, EventKind::Sentence, "2024-10-01", None);
        let release = ev(
            &mut ids,
            &p,
            EventKind::PrisonerExchange,
            "2025-01-05",
            None,
        );
        let events = vec![
            dispute.clone(),
            capture.clone(),
            charge.clone(),
            sentence,
            release,
        ];

        let before = legal_status_as_of(&events, Category::Military, &d("2023-09-01"));
        assert_eq!(
            before.status,
            LegalStatus::Unknown,
            "the dispute does not count"
        );

        let s = legal_status_as_of(&events, Category::Military, &d("2023-12-31"));
        assert_eq!(s.status, LegalStatus::PrisonerOfWar);
        assert_eq!(s.since, Some(d("2023-09-20")));
        assert_eq!(s.basis.as_ref(), Some(&capture.id));
        assert!(s.contested && !s.released);

        let civ = legal_status_as_of(&events, Category::Civilian, &d("2023-12-31"));
        assert_eq!(civ.status, LegalStatus::CivilianInternee);

        // A month-precision charge counts from the first day of its month.
        let s = legal_status_as_of(&events, Category::Military, &d("2024-02-01"));
        assert_eq!(s.status, LegalStatus::Accused);
        assert!(!s.contested);

        let s = legal_status_as_of(&events, Category::Military, &d("2026-01-01"));
        assert_eq!(s.status, LegalStatus::Convicted);
        assert!(s.released);

        let h = legal_status_history(&events, Category::Military);
        let steps: Vec<_> = h.iter().map(|s| (s.status, s.released)).collect();
        assert_eq!(
            steps,
            [
                (LegalStatus::PrisonerOfWar, false),
                (LegalStatus::Accused, false),
                (LegalStatus::Convicted, false),
                (LegalStatus::Convicted, true),
            ]
        );
        // A lone contesting event (its target unknown here) is all there is: it counts.
        let lone = legal_status_as_of(&[dispute], Category::Civilian, &d("2023-12-31"));
        assert_eq!(lone.status, LegalStatus::CivilianInternee);
        assert!(lone.contested);
    }

    #[test]
    fn death_ends_the_timeline() {
        let mut ids = Ids::new(8);
        let p = ids.next(IdKind::Person);
        let events = vec![
            ev(&mut ids, &p, EventKind::Capture, "2023", None),
            ev(&mut ids, &p, EventKind::DeathInCustody, "2024-03-01", None),
            ev(&mut ids, &p, EventKind::Release, "2024-05-01", None),
        ];
        let s = legal_status_as_of(&events, Category::Unknown, &d("2025"));
        assert!(s.ended && !s.released);
        assert_eq!(s.status, LegalStatus::CivilianInternee);
    }

    fn visit(ids: &mut Ids, place: &Id, date: &str, seen: &[(&Id, bool)]) -> Visit {
        Visit {
            id: ids.next(IdKind::Visit),
            place_id: place.clone(),
            date: d(date),
            organisation: "Neutral Org".into(),
            conditions: VisitConditions::default(),
            findings: seen
                .iter()
                .map(|(p, call)| VisitFinding {
                    person_id: Some((*p).clone()),
                    family_call: *call,
                    ..VisitFinding::default()
                })
                .collect(),
        }
    }

    #[tokio::test]
    async fn access_gap_is_overdue_only_past_the_threshold() {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite:{}/t.db", dir.path().display());
        let store = homeward_store_sql::connect(&url).await.unwrap();
        let mut ids = Ids::new(9);
        let b = batch(&mut ids, "list", "ff00", 4);
        let source = b.source.id.clone();
        let people: Vec<Id> = b.persons.iter().map(|p| p.id.clone()).collect();
        store.import(b).await.unwrap();
        let place = |ids: &mut Ids, name: &str| DetentionPlace {
            id: ids.next(IdKind::Place),
            name: name.into(),
            authority: None,
            region: None,
        };
        let (north, south, east) = (
            place(&mut ids, "North"),
            place(&mut ids, "South"),
            place(&mut ids, "East"),
        );
        let (a, b2, c, late) = (&people[0], &people[1], &people[2], &people[3]);
        let visits = vec![
            // a: exactly 30 days before 2024-03-31 -> not overdue.
            visit(&mut ids, &north.id, "2024-03-01", &[(a, true), (b2, false)]),
            // b2 and c: 31 days -> overdue; b2's last sighting moves south.
            visit(
                &mut ids,
                &south.id,
                "2024-02-29",
                &[(b2, false), (c, false)],
            ),
            visit(&mut ids, &south.id, "2024-01-10", &[(b2, true)]),
            // After the report date: does not count.
            visit(&mut ids, &north.id, "2024-05-01", &[(late, false)]),
        ];
        // b2 is released after the report date, a before it: only a is out of custody.
        let release = |p: &Id, date: &str, ids: &mut Ids| Event {
            source_id: source.clone(),
            ..ev(ids, p, EventKind::Release, date, None)
        };
        let events = vec![
            release(a, "2024-03-15", &mut ids),
            release(b2, "2024-04-15", &mut ids),
        ];
        store
            .apply(ChangeSet {
                places: vec![north.clone(), south.clone(), east.clone()],
                visits,
                events,
                ..ChangeSet::default()
            })
            .await
            .unwrap();

        let r = access_gap(&store, d("2024-03-31"), DEFAULT_THRESHOLD_DAYS, false)
            .await
            .unwrap();
        assert_eq!(r.persons.len(), 3, "the later visit is not counted");
        let pa = &r.persons[a];
        assert_eq!((pa.days_since_visit, pa.overdue), (30, false));
        assert_eq!(pa.days_since_family_contact, Some(30));
        assert!(pa.out_of_custody);
        assert!(!r.persons[b2].out_of_custody);
        assert_eq!(r.totals.out_of_custody, 1);
        assert!(pa.name.is_none());
        let pb = &r.persons[b2];
        assert_eq!((pb.days_since_visit, pb.overdue), (30, false));
        assert_eq!(
            pb.last_place, north.id,
            "the 2024-03-01 visit is the later one"
        );
        assert_eq!(pb.last_family_contact, Some(d("2024-01-10")));
        let pc = &r.persons[c];
        assert_eq!((pc.days_since_visit, pc.overdue), (31, true));
        assert_eq!(pc.last_family_contact, None);
        assert_eq!(r.totals.overdue, 1);
        assert_eq!(r.totals.no_family_contact, 1);
        assert_eq!(r.places[&south.id].overdue, 1);
        assert_eq!(r.places[&south.id].persons, vec![c.clone()]);
        assert_eq!(r.places[&north.id].days_since, Some(30));
        assert_eq!(r.places[&east.id].last_visit, None);
        assert_eq!(
            r.totals.places_overdue, 2,
            "south (31 days) and east (never)"
        );
        assert_eq!(r.longest[0], *c);

        let named = access_gap(&store, d("2024-03-31"), 29, true).await.unwrap();
        assert!(named.persons[a].name.is_some());
        assert_eq!(named.totals.overdue, 2, "a, released, is never overdue");
        assert_eq!(to_json(&named)["totals"]["overdue"], 2);
    }
}
