//! `SqlStore`: the `Store` contract on an `sqlx::AnyPool`.

use crate::crypto::{Keys, Sealer};
use crate::dialect::{sqlite_path, Dialect};
use crate::rows::{self, q, RECORD_FIXED};
use crate::SqlError;
use async_trait::async_trait;
use homeward_domain::{DetentionPlace, Event, Field, Id, IdKind, Person, Record, Source, Visit};
use homeward_store::{
    ChangeSet, Counts, ImportHeader, ImportStart, NameCandidate, ScoredToken, Store, StoreError,
};
use sqlx::any::{AnyPoolOptions, AnyRow};
use sqlx::{Any, AnyPool, Row, Transaction};
use std::collections::BTreeMap;

static SQLITE_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/sqlite");
static POSTGRES_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/postgres");

/// A value to bind, so that rows of mixed types can be inserted in batches.
#[derive(Debug, Clone)]
pub(crate) enum Val {
    Text(Option<String>),
    Int(i64),
    Real(f64),
    Bool(bool),
    Float(Option<f64>),
}

impl From<&str> for Val {
    fn from(s: &str) -> Self {
        Val::Text(Some(s.to_owned()))
    }
}
impl From<String> for Val {
    fn from(s: String) -> Self {
        Val::Text(Some(s))
    }
}
impl From<Option<String>> for Val {
    fn from(s: Option<String>) -> Self {
        Val::Text(s)
    }
}
impl From<&Id> for Val {
    fn from(s: &Id) -> Self {
        Val::Text(Some(s.as_str().to_owned()))
    }
}
impl From<Option<&Id>> for Val {
    fn from(s: Option<&Id>) -> Self {
        Val::Text(s.map(|i| i.as_str().to_owned()))
    }
}

/// The registry in a SQL database.
#[derive(Debug, Clone)]
pub struct SqlStore {
    pub(crate) pool: AnyPool,
    pub(crate) dialect: Dialect,
    pub(crate) keys: Keys,
    pub(crate) url: String,
    /// Read-log entries waiting to be written together.
    pub(crate) read_log: crate::readlog::ReadLog,
    /// The hot reads on an SQLite file, past sqlx (see [`crate::fastread`]).
    pub(crate) fast: Option<crate::fastread::FastReads>,
}

/// Opens (creating if needed) the database at `url` and runs the migrations, with the
/// master key found by [`Keys::resolve`] (environment, key file, or for SQLite a key file
/// next to the database).
///
/// A new SQLite file is created readable and writable by its owner only; SQLite gives its
/// WAL and shared-memory files the same permissions.
pub async fn connect(url: &str) -> Result<SqlStore, StoreError> {
    let keys = Keys::resolve(url)?;
    connect_with_keys(url, keys).await
}

/// Opens the database at `url` with the given master keys (see [`connect`]).
pub async fn connect_with_keys(url: &str, keys: Keys) -> Result<SqlStore, StoreError> {
    sqlx::any::install_default_drivers();
    let original_url = url.to_owned();
    let dialect = Dialect::of_url(url).map_err(|e| StoreError::Connect(e.to_string()))?;
    let mut url = url.to_owned();
    if dialect == Dialect::Sqlite {
        if let Some(path) = sqlite_path(&url) {
            create_owner_only(path).map_err(|e| StoreError::Connect(e.to_string()))?;
        }
        if !url.contains('?') {
            url.push_str("?mode=rwc");
        }
    }
    /// How much of an SQLite file is memory-mapped for reading (SQLite caps it at its
    /// compile-time maximum, 2 GiB by default).
    const MMAP_BYTES: u64 = 1 << 33;
    let options = AnyPoolOptions::new()
        .max_connections(if dialect == Dialect::Sqlite { 4 } else { 8 })
        .after_connect(move |conn, _meta| {
            Box::pin(async move {
                if dialect == Dialect::Sqlite {
                    for pragma in [
                        "PRAGMA journal_mode = WAL",
                        "PRAGMA foreign_keys = ON",
                        "PRAGMA busy_timeout = 10000",
                        "PRAGMA synchronous = NORMAL",
                        "PRAGMA temp_store = MEMORY",
                    ] {
                        sqlx::query(pragma).execute(&mut *conn).await?;
                    }
                    // Reads come straight from a memory map of the file rather than through
                    // each connection's page cache. The pool hands out its connections in
                    // turn, and a connection whose cache is stale (another one wrote since)
                    // throws the whole cache away at its next transaction: with 256 MiB
                    // caches that scan and the re-reads were a quarter of the demo's time.
                    // The cache keeps what is written; imports enlarge it while they run.
                    sqlx::query(&format!(
                        "PRAGMA cache_size = -{}",
                        crate::import::POOL_CACHE_KIB
                    ))
                    .execute(&mut *conn)
                    .await?;
                    sqlx::query(&format!("PRAGMA mmap_size = {MMAP_BYTES}"))
                        .execute(&mut *conn)
                        .await?;
                }
                Ok(())
            })
        });
    let pool = options
        .connect(&url)
        .await
        .map_err(|e| StoreError::Connect(e.to_string()))?;
    let migrator = match dialect {
        Dialect::Sqlite => &SQLITE_MIGRATIONS,
        Dialect::Postgres => &POSTGRES_MIGRATIONS,
    };
    migrator
        .run(&pool)
        .await
        .map_err(|e| StoreError::Migrate(e.to_string()))?;
    let fresh = {
        let mut conn = pool.acquire().await.map_err(q)?;
        crate::audit::install_triggers(&mut conn).await?
    };
    crate::audit::baseline(&pool, &fresh).await?;
    let fast = match dialect {
        Dialect::Sqlite => sqlite_path(&original_url)
            .map(|p| crate::fastread::FastReads::new(std::path::Path::new(p), MMAP_BYTES)),
        Dialect::Postgres => None,
    };
    Ok(SqlStore {
        pool,
        dialect,
        keys,
        url: original_url,
        read_log: crate::readlog::ReadLog::default(),
        fast,
    })
}

#[cfg(unix)]
fn create_owner_only(path: &str) -> Result<(), SqlError> {
    use std::os::unix::fs::OpenOptionsExt;
    let err = |source| SqlError::CreateFile {
        path: path.to_owned(),
        source,
    };
    match std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)
    {
        Ok(_) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Ok(()),
        Err(e) => Err(err(e)),
    }
}

#[cfg(not(unix))]
fn create_owner_only(_path: &str) -> Result<(), SqlError> {
    Ok(())
}

impl SqlStore {
    /// The dialect of this store.
    pub fn dialect(&self) -> Dialect {
        self.dialect
    }

    /// The master keys this store seals and opens sensitive fields with.
    pub fn keys(&self) -> &Keys {
        &self.keys
    }

    /// The same store with other master keys (after a rotation).
    pub fn with_keys(&self, keys: Keys) -> SqlStore {
        SqlStore {
            keys,
            ..self.clone()
        }
    }

    /// The URL the store was opened with.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// The underlying pool, for tests and maintenance commands of this crate's users.
    pub fn pool(&self) -> &AnyPool {
        &self.pool
    }

    /// Closes the pool, waiting for connections to finish (checkpoints the SQLite WAL).
    pub async fn close(&self) {
        self.pool.close().await;
    }

    async fn count(&self, table: &str) -> Result<u64, StoreError> {
        let sql = format!("SELECT COUNT(*) AS n FROM {table}");
        let n: i64 = sqlx::query(&sql)
            .fetch_one(&self.pool)
            .await
            .map_err(q)?
            .try_get("n")
            .map_err(q)?;
        Ok(u64::try_from(n).unwrap_or(0))
    }

    pub(crate) async fn fetch_all(
        &self,
        sql: &str,
        binds: Vec<Val>,
    ) -> Result<Vec<AnyRow>, StoreError> {
        let sql = self.dialect.sql(sql);
        let mut query = sqlx::query(&sql);
        for v in binds {
            query = bind(query, v);
        }
        query.fetch_all(&self.pool).await.map_err(q)
    }
}

pub(crate) fn bind<'q>(
    query: sqlx::query::Query<'q, Any, sqlx::any::AnyArguments<'q>>,
    v: Val,
) -> sqlx::query::Query<'q, Any, sqlx::any::AnyArguments<'q>> {
    match v {
        Val::Text(t) => query.bind(t),
        Val::Int(i) => query.bind(i),
        Val::Real(x) => query.bind(x),
        Val::Bool(b) => query.bind(b),
        Val::Float(f) => query.bind(f),
    }
}

/// Inserts rows in multi-row statements: one round trip per few hundred rows, which is
/// what makes a million-row import take seconds.
pub(crate) async fn insert_rows(
    tx: &mut Transaction<'static, Any>,
    dialect: Dialect,
    table: &str,
    columns: &[&str],
    rows: Vec<Vec<Val>>,
) -> Result<(), StoreError> {
    let per = dialect.rows_per_statement(columns.len());
    let row_sql = format!("({})", vec!["?"; columns.len()].join(","));
    let head = format!("INSERT INTO {table} ({}) VALUES ", columns.join(","));
    let mut full_sql: Option<String> = None;
    let mut chunk: Vec<Vec<Val>> = Vec::with_capacity(per);
    let mut rows = rows.into_iter().peekable();
    while rows.peek().is_some() {
        chunk.clear();
        chunk.extend(rows.by_ref().take(per));
        let sql = if chunk.len() == per {
            full_sql
                .get_or_insert_with(|| {
                    dialect
                        .sql(&format!("{head}{}", vec![row_sql.as_str(); per].join(",")))
                        .into_owned()
                })
                .clone()
        } else {
            dialect
                .sql(&format!(
                    "{head}{}",
                    vec![row_sql.as_str(); chunk.len()].join(",")
                ))
                .into_owned()
        };
        let mut query = sqlx::query(&sql);
        for row in chunk.drain(..) {
            for v in row {
                query = bind(query, v);
            }
        }
        query.execute(&mut **tx).await.map_err(q)?;
    }
    Ok(())
}

fn event_rows(events: &[&Event]) -> Vec<Vec<Val>> {
    events
        .iter()
        .map(|e| {
            vec![
                (&e.id).into(),
                (&e.person_id).into(),
                e.kind.as_str().into(),
                e.date.to_string().into(),
                (&e.source_id).into(),
                e.place_id.as_ref().into(),
                e.contests.as_ref().into(),
            ]
        })
        .collect()
}

/// The columns of `records`, in table order.
pub(crate) fn record_columns() -> Vec<&'static str> {
    let mut c: Vec<&'static str> = RECORD_FIXED.to_vec();
    c.extend(Field::ALL.iter().map(|f| f.name()));
    c.push("original");
    c
}

pub(crate) fn bool_col(row: &AnyRow, col: &str) -> Result<bool, StoreError> {
    // SQLite hands booleans back as integers through `Any`.
    match row.try_get::<bool, _>(col) {
        Ok(b) => Ok(b),
        Err(_) => Ok(row.try_get::<i64, _>(col).map_err(q)? != 0),
    }
}

#[async_trait]
impl Store for SqlStore {
    fn backend(&self) -> &'static str {
        match self.dialect {
            Dialect::Sqlite => "sqlite",
            Dialect::Postgres => "postgres",
        }
    }

    async fn counts(&self) -> Result<Counts, StoreError> {
        Ok(Counts {
            sources: self.count("sources").await?,
            records: self.count("records").await?,
            persons: self.count("persons").await?,
            events: self.count("events").await?,
            visits: self.count("visits").await?,
            enquiries: self.count("enquiries").await?,
        })
    }

    async fn begin_import(&self, header: ImportHeader) -> Result<ImportStart, StoreError> {
        self.start_import(header).await
    }

    async fn sources(&self) -> Result<Vec<Source>, StoreError> {
        let rows = self
            .fetch_all(
                "SELECT id, name, description FROM sources ORDER BY name",
                vec![],
            )
            .await?;
        let mut out = rows
            .iter()
            .map(|r| {
                Ok(Source {
                    id: rows::id(r, "id", "sources", IdKind::Source)?,
                    name: r.try_get("name").map_err(q)?,
                    description: r.try_get("description").map_err(q)?,
                })
            })
            .collect::<Result<Vec<Source>, StoreError>>()?;
        let items: Vec<(String, &'static str, Option<String>)> = out
            .iter()
            .map(|s| {
                (
                    s.id.as_str().to_owned(),
                    "description",
                    s.description.clone(),
                )
            })
            .collect();
        let read: Vec<String> = items
            .iter()
            .filter(|(_, _, v)| v.is_some())
            .map(|(id, _, _)| id.clone())
            .collect();
        let opened =
            crate::crypto::open_values(&self.pool, self.dialect, &self.keys, "sources", items)
                .await?;
        for (s, v) in out.iter_mut().zip(opened) {
            s.description = v;
        }
        self.note_reads("sources", &read).await?;
        Ok(out)
    }

    async fn source_by_name(&self, name: &str) -> Result<Option<Source>, StoreError> {
        Ok(self.sources().await?.into_iter().find(|s| s.name == name))
    }

    async fn person(&self, id: &Id) -> Result<Option<Person>, StoreError> {
        let rows = self
            .fetch_all(
                "SELECT id, display_name, reviewed FROM persons WHERE id = ?",
                vec![id.into()],
            )
            .await?;
        rows.first()
            .map(|r| {
                Ok(Person {
                    id: rows::id(r, "id", "persons", IdKind::Person)?,
                    display_name: r.try_get("display_name").map_err(q)?,
                    reviewed: bool_col(r, "reviewed")?,
                })
            })
            .transpose()
    }

    async fn records_of(&self, person: &Id) -> Result<Vec<Record>, StoreError> {
        let sql = format!(
            "SELECT {} FROM records WHERE person_id = ? ORDER BY source_id, row_number",
            record_columns().join(",")
        );
        let rows = self.fetch_all(&sql, vec![person.into()]).await?;
        self.open_records(&rows).await
    }

    async fn apply(&self, c: ChangeSet) -> Result<(), StoreError> {
        let d = self.dialect;
        let mut tx = crate::tx::begin(&self.pool).await?;
        insert_rows(
            &mut tx,
            d,
            "places",
            &["id", "name", "authority", "region"],
            c.places
                .iter()
                .map(|p| {
                    vec![
                        (&p.id).into(),
                        p.name.clone().into(),
                        p.authority.clone().into(),
                        p.region.clone().into(),
                    ]
                })
                .collect(),
        )
        .await?;
        // Contesting events point at events of the same change set: write them after.
        let (plain, contesting): (Vec<&Event>, Vec<&Event>) =
            c.events.iter().partition(|e| e.contests.is_none());
        for group in [event_rows(&plain), event_rows(&contesting)] {
            insert_rows(&mut tx, d, "events", &rows::EVENT_COLUMNS, group).await?;
        }
        insert_rows(
            &mut tx,
            d,
            "visits",
            &rows::VISIT_COLUMNS,
            c.visits
                .iter()
                .map(|v| {
                    vec![
                        (&v.id).into(),
                        (&v.place_id).into(),
                        v.date.to_string().into(),
                        v.organisation.clone().into(),
                        Val::Bool(v.conditions.access_all),
                        Val::Bool(v.conditions.private_interviews),
                        Val::Bool(v.conditions.repeat_allowed),
                        Val::Bool(v.conditions.list_provided),
                    ]
                })
                .collect(),
        )
        .await?;
        let mut findings = Vec::new();
        for v in &c.visits {
            for (i, f) in v.findings.iter().enumerate() {
                let items = serde_json::to_string(&f.items)
                    .map_err(|e| StoreError::Query(e.to_string()))?;
                findings.push(vec![
                    (&v.id).into(),
                    Val::Int(i as i64),
                    f.person_id.as_ref().into(),
                    f.health.clone().into(),
                    items.into(),
                    Val::Int(i64::from(f.messages_collected)),
                    Val::Int(i64::from(f.messages_delivered)),
                    Val::Bool(f.family_call),
                    Val::Bool(f.consent_share_with_family),
                    f.conditions.clone().into(),
                    Val::Bool(f.consent_representations),
                    Val::Bool(f.consent_reports),
                ]);
            }
        }
        let mut sealer = Sealer::new(&self.keys);
        let finding_columns = [
            "visit_id",
            "position",
            "person_id",
            "health",
            "items",
            "messages_collected",
            "messages_delivered",
            "family_call",
            "consent_share_with_family",
            "conditions",
            "consent_representations",
            "consent_reports",
        ];
        sealer.seal_rows("visit_findings", &finding_columns, &mut findings)?;
        insert_rows(&mut tx, d, "visit_findings", &finding_columns, findings).await?;
        let enquiry_columns = [
            "id",
            "received",
            "sought_name",
            "sought_birth_date",
            "relation",
            "contact",
            "state",
            "person_id",
            "secret_hash",
        ];
        let mut enquiry_rows: Vec<Vec<Val>> = c
            .enquiries
            .iter()
            .map(|(e, secret_hash)| {
                vec![
                    (&e.id).into(),
                    e.received.to_string().into(),
                    e.sought_name.clone().into(),
                    e.sought_birth_date.map(|d| d.to_string()).into(),
                    e.relation.clone().into(),
                    e.contact.clone().into(),
                    e.state.as_str().into(),
                    e.person_id.as_ref().into(),
                    secret_hash.clone().into(),
                ]
            })
            .collect();
        sealer.seal_rows("enquiries", &enquiry_columns, &mut enquiry_rows)?;
        insert_rows(&mut tx, d, "enquiries", &enquiry_columns, enquiry_rows).await?;
        insert_rows(
            &mut tx,
            d,
            "users",
            &["id", "username", "role", "password_hash"],
            c.users
                .iter()
                .map(|(u, hash)| {
                    vec![
                        (&u.id).into(),
                        u.username.clone().into(),
                        u.role.as_str().into(),
                        hash.clone().into(),
                    ]
                })
                .collect(),
        )
        .await
        .map_err(|e| match e {
            StoreError::Query(m) if m.to_lowercase().contains("unique") => {
                StoreError::Conflict("a user with this name exists".into())
            }
            other => other,
        })?;
        sealer.finish(&mut tx, d).await?;
        crate::tx::commit(tx).await
    }

    async fn events_of(&self, person: &Id) -> Result<Vec<Event>, StoreError> {
        let rows = self
            .fetch_all(
                "SELECT id, person_id, kind, date, source_id, place_id, contests FROM events WHERE person_id = ?",
                vec![person.into()],
            )
            .await?;
        let mut events = rows
            .iter()
            .map(rows::event)
            .collect::<Result<Vec<_>, StoreError>>()?;
        events.sort_by(|a, b| a.date.cmp(&b.date).then(a.id.cmp(&b.id)));
        Ok(events)
    }

    async fn places(&self) -> Result<Vec<DetentionPlace>, StoreError> {
        let rows = self
            .fetch_all(
                "SELECT id, name, authority, region FROM places ORDER BY name, id",
                vec![],
            )
            .await?;
        rows.iter()
            .map(|r| {
                Ok(DetentionPlace {
                    id: rows::id(r, "id", "places", IdKind::Place)?,
                    name: r.try_get("name").map_err(q)?,
                    authority: r.try_get("authority").map_err(q)?,
                    region: r.try_get("region").map_err(q)?,
                })
            })
            .collect()
    }

    async fn visits(&self) -> Result<Vec<Visit>, StoreError> {
        self.visits_where(None).await
    }

    async fn visits_of(&self, person: &Id) -> Result<Vec<Visit>, StoreError> {
        self.visits_where(Some(person)).await
    }

    async fn name_vocabulary(
        &self,
        keys: &[String],
        grams: &[(String, u32)],
        min_shared: u32,
    ) -> Result<Vec<String>, StoreError> {
        let mut out: Vec<String> = Vec::new();
        if !keys.is_empty() {
            let sql = format!(
                "SELECT DISTINCT token FROM name_vocab_keys WHERE key IN ({})",
                vec!["?"; keys.len()].join(",")
            );
            let rows = self
                .fetch_all(&sql, keys.iter().map(|k| k.as_str().into()).collect())
                .await?;
            for r in &rows {
                out.push(r.try_get("token").map_err(q)?);
            }
        }
        if !grams.is_empty() {
            let values = vec!["(?, CAST(? AS BIGINT))"; grams.len()].join(",");
            let sql = format!(
                "WITH q(gram, w) AS (VALUES {values}) \
                 SELECT g.token AS token FROM name_vocab_grams g JOIN q ON q.gram = g.gram \
                 GROUP BY g.token HAVING SUM(q.w) >= ?"
            );
            let mut binds: Vec<Val> = Vec::with_capacity(grams.len() * 2 + 1);
            for (g, w) in grams {
                binds.push(g.as_str().into());
                binds.push(Val::Int(i64::from(*w)));
            }
            binds.push(Val::Int(i64::from(min_shared)));
            let rows = self.fetch_all(&sql, binds).await?;
            for r in &rows {
                out.push(r.try_get("token").map_err(q)?);
            }
        }
        out.sort_unstable();
        out.dedup();
        Ok(out)
    }

    async fn name_candidates(
        &self,
        tokens: &[ScoredToken],
        limit: u32,
    ) -> Result<Vec<NameCandidate>, StoreError> {
        if tokens.is_empty() || limit == 0 {
            return Ok(Vec::new());
        }
        // Per person and query part the best score, summed over parts: an upper estimate of
        // the exact score's ranking that the caller refines on the best `limit`. Names are
        // looked up for those `limit` only: a common surname matches thousands of persons.
        let values =
            vec!["(CAST(? AS BIGINT), ?, CAST(? AS DOUBLE PRECISION))"; tokens.len()].join(",");
        let sql = format!(
            "WITH q(part, token, score) AS (VALUES {values}), \
             best AS (SELECT t.person_id AS person_id, q.part AS part, MAX(q.score) AS s \
                      FROM name_tokens t JOIN q ON q.token = t.token GROUP BY t.person_id, q.part), \
             top AS (SELECT person_id, SUM(s) AS estimate FROM best GROUP BY person_id \
                     ORDER BY estimate DESC, person_id LIMIT {limit}) \
             SELECT top.person_id AS person_id, p.display_name AS display_name, top.estimate AS estimate \
             FROM top JOIN persons p ON p.id = top.person_id ORDER BY estimate DESC, top.person_id"
        );
        let mut binds: Vec<Val> = Vec::with_capacity(tokens.len() * 3);
        for t in tokens {
            binds.push(Val::Int(i64::from(t.part)));
            binds.push(t.token.as_str().into());
            binds.push(Val::Real(t.score));
        }
        let rows = self.fetch_all(&sql, binds).await?;
        rows.iter()
            .map(|r| {
                Ok(NameCandidate {
                    person_id: rows::id(r, "person_id", "name_tokens", IdKind::Person)?,
                    display_name: r.try_get("display_name").map_err(q)?,
                    estimate: r.try_get("estimate").map_err(q)?,
                })
            })
            .collect()
    }

    async fn all_person_names(&self) -> Result<Vec<(Id, String)>, StoreError> {
        let rows = self
            .fetch_all("SELECT id, display_name FROM persons ORDER BY id", vec![])
            .await?;
        rows.iter()
            .map(|r| {
                Ok((
                    rows::id(r, "id", "persons", IdKind::Person)?,
                    r.try_get("display_name").map_err(q)?,
                ))
            })
            .collect()
    }
}

impl SqlStore {
    /// Records from rows of `record_columns()`, with their sealed notes and original row
    /// opened; the read of each sealed record is logged.
    pub(crate) async fn open_records(&self, rows: &[AnyRow]) -> Result<Vec<Record>, StoreError> {
        let mut items = Vec::with_capacity(rows.len() * 2);
        for r in rows {
            let id: String = r.try_get("id").map_err(q)?;
            items.push((
                id.clone(),
                "notes",
                r.try_get::<Option<String>, _>("notes").map_err(q)?,
            ));
            items.push((
                id,
                "original",
                r.try_get::<Option<String>, _>("original").map_err(q)?,
            ));
        }
        let read: Vec<String> = items
            .iter()
            .filter(|(_, _, v)| v.as_deref().is_some_and(crate::crypto::is_sealed))
            .map(|(id, _, _)| id.clone())
            .collect();
        let mut opened =
            crate::crypto::open_values(&self.pool, self.dialect, &self.keys, "records", items)
                .await?
                .into_iter();
        let mut out = Vec::with_capacity(rows.len());
        for r in rows {
            let notes = opened.next().flatten();
            let original = opened.next().flatten();
            out.push(rows::record(r, notes, original)?);
        }
        let mut read = read;
        read.dedup();
        self.note_reads("records", &read).await?;
        Ok(out)
    }
}

impl SqlStore {
    /// All visits, or those that saw `person` with only that person's findings.
    async fn visits_where(&self, person: Option<&Id>) -> Result<Vec<Visit>, StoreError> {
        let (visit_filter, finding_filter, binds) = match person {
            Some(p) => (
                " WHERE id IN (SELECT visit_id FROM visit_findings WHERE person_id = ?)",
                " WHERE person_id = ?",
                vec![Val::from(p.as_str())],
            ),
            None => ("", "", vec![]),
        };
        let rows = self
            .fetch_all(
                &format!(
                    "SELECT {} FROM visits{visit_filter}",
                    rows::VISIT_COLUMNS.join(", ")
                ),
                binds.clone(),
            )
            .await?;
        let mut visits: BTreeMap<String, Visit> = BTreeMap::new();
        for r in &rows {
            let v = rows::visit(r)?;
            visits.insert(v.id.as_str().to_owned(), v);
        }
        let rows = self
            .fetch_all(
                &format!("SELECT visit_id, position, person_id, items, messages_collected, messages_delivered, family_call, consent_share_with_family, conditions, consent_representations, consent_reports FROM visit_findings{finding_filter} ORDER BY visit_id, position"),
                binds,
            )
            .await?;
        // Conditions findings are sealed: opened together, and every opened one logged as read.
        let mut sealed = Vec::with_capacity(rows.len());
        for r in &rows {
            let visit_id: String = r.try_get("visit_id").map_err(q)?;
            let position: i64 = r.try_get("position").map_err(q)?;
            sealed.push((
                format!("{visit_id}:{position}"),
                "conditions",
                r.try_get::<Option<String>, _>("conditions").map_err(q)?,
            ));
        }
        let read: Vec<String> = sealed
            .iter()
            .filter(|(_, _, v)| v.as_deref().is_some_and(crate::crypto::is_sealed))
            .map(|(id, _, _)| id.clone())
            .collect();
        let mut conditions = crate::crypto::open_values(
            &self.pool,
            self.dialect,
            &self.keys,
            "visit_findings",
            sealed,
        )
        .await?
        .into_iter();
        for r in &rows {
            let visit_id: String = r.try_get("visit_id").map_err(q)?;
            let f = rows::finding(r, conditions.next().flatten())?;
            if let Some(v) = visits.get_mut(&visit_id) {
                v.findings.push(f);
            }
        }
        self.note_reads("visit_findings", &read).await?;
        let mut out: Vec<Visit> = visits.into_values().collect();
        out.sort_by(|a, b| a.date.cmp(&b.date).then(a.id.cmp(&b.id)));
        Ok(out)
    }
}
