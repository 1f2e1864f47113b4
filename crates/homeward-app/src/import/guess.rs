//! `homeward import --guess`: a mapping proposal from a file's headers (English, Armenian
//! and Russian header names, and the standard field names themselves) and a look at its
//! values, which the import accepts unchanged.

use super::mapping::{parse_date, ColumnMap, Mapping, NameOrder};
use super::table::Table;
use homeward_domain::{Field, FieldKind};
use std::collections::BTreeMap;

/// Header spellings per field, compared after lower-casing and dropping punctuation.
const SYNONYMS: &[(Field, &[&str])] = &[
    (
        Field::RecordId,
        &[
            "id",
            "no",
            "number",
            "record id",
            "ref",
            "reference",
            "n",
            "№",
            "номер",
            "համար",
        ],
    ),
    (
        Field::GivenName,
        &[
            "given name",
            "first name",
            "firstname",
            "name",
            "forename",
            "имя",
            "անուն",
        ],
    ),
    (
        Field::FamilyName,
        &[
            "family name",
            "surname",
            "last name",
            "lastname",
            "фамилия",
            "ազգանուն",
        ],
    ),
    (
        Field::Patronymic,
        &[
            "patronymic",
            "father name",
            "fathers name",
            "middle name",
            "отчество",
            "հայրանուն",
        ],
    ),
    (
        Field::FullName,
        &[
            "full name",
            "fullname",
            "name surname",
            "person",
            "полное имя",
            "անուն ազգանուն",
        ],
    ),
    (Field::Sex, &["sex", "gender", "пол", "սեռ"]),
    (
        Field::BirthDate,
        &[
            "birth date",
            "date of birth",
            "dob",
            "born",
            "birth year",
            "year of birth",
            "дата рождения",
            "год рождения",
            "ծննդյան ամսաթիվ",
            "ծննդյան տարեթիվ",
            "ծնվել է",
            "ծննդյան տարի",
        ],
    ),
    (
        Field::BirthPlace,
        &[
            "birth place",
            "place of birth",
            "место рождения",
            "ծննդավայր",
            "ծննդյան վայր",
        ],
    ),
    (
        Field::Residence,
        &[
            "residence",
            "address",
            "place of residence",
            "место жительства",
            "адрес",
            "բնակության վայր",
            "հասցե",
        ],
    ),
    (
        Field::IdNumber,
        &[
            "id number",
            "passport",
            "document",
            "service number",
            "документ",
            "паспорт",
            "номер документа",
            "փաստաթուղթ",
            "անձնագիր",
        ],
    ),
    (
        Field::Category,
        &["category", "type", "категория", "կատեգորիա"],
    ),
    (
        Field::CaptureDate,
        &[
            "capture date",
            "date of capture",
            "date captured",
            "detained on",
            "дата задержания",
            "дата пленения",
            "գերեվարման ամսաթիվ",
        ],
    ),
    (
        Field::CapturePlace,
        &[
            "capture place",
            "place of capture",
            "место задержания",
            "место пленения",
            "գերեվարման վայր",
        ],
    ),
    (
        Field::CaptureContext,
        &[
            "capture context",
            "circumstances",
            "обстоятельства",
            "հանգամանքներ",
        ],
    ),
    (Field::Status, &["status", "статус", "կարգավիճակ"]),
    (
        Field::LegalStatus,
        &["legal status", "правовой статус", "իրավական կարգավիճակ"],
    ),
    (
        Field::DetainingAuthority,
        &[
            "detaining authority",
            "authority",
            "held by",
            "орган",
            "задерживающий орган",
            "պահող մարմին",
        ],
    ),
    (
        Field::DetentionPlace,
        &[
            "detention place",
            "place of detention",
            "where held",
            "место содержания",
            "պահման վայր",
        ],
    ),
    (
        Field::LastSeenDate,
        &[
            "last seen",
            "last seen date",
            "последний раз видели",
            "վերջին անգամ տեսել",
        ],
    ),
    (
        Field::LastContactDate,
        &[
            "last contact",
            "last contact date",
            "последний контакт",
            "վերջին կապ",
        ],
    ),
    (
        Field::Notes,
        &[
            "notes",
            "note",
            "comment",
            "comments",
            "remarks",
            "примечание",
            "комментарий",
            "նշումներ",
            "մեկնաբանություն",
        ],
    ),
];

/// Headers that hold a whole name in "Family Given Patronymic" order.
const FIO: &[&str] = &[
    "фио",
    "ф и о",
    "ազգանուն անուն հայրանուն",
    "surname name patronymic",
];

fn fold(h: &str) -> String {
    let lower: String = h
        .chars()
        .flat_map(char::to_lowercase)
        .map(|c| {
            if c.is_alphanumeric() || c == '№' {
                c
            } else {
                ' '
            }
        })
        .collect();
    lower.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The field a header most likely names.
fn field_of(header: &str) -> Option<Field> {
    let h = fold(header);
    if let Ok(f) = header.trim().parse::<Field>() {
        return Some(f);
    }
    SYNONYMS
        .iter()
        .find(|(_, names)| names.iter().any(|n| fold(n) == h))
        .map(|(f, _)| *f)
}

/// Proposes a mapping for a table. Unknown columns are ignored (and kept verbatim).
pub fn guess(table: &Table) -> Mapping {
    let mut used: BTreeMap<Field, ()> = BTreeMap::new();
    let mut columns = Vec::new();
    for (i, header) in table.headers.iter().enumerate() {
        if header.is_empty() {
            continue;
        }
        let mut c = ColumnMap {
            column: header.clone(),
            field: None,
            ignore: false,
            split_name: None,
            date_formats: Vec::new(),
            values: BTreeMap::new(),
            trim: true,
        };
        if FIO.contains(&fold(header).as_str()) && !used.contains_key(&Field::FullName) {
            used.insert(Field::FullName, ());
            c.split_name = Some(NameOrder::FamilyGivenPatronymic);
            columns.push(c);
            continue;
        }
        match field_of(header).filter(|f| !used.contains_key(f)) {
            Some(f) => {
                used.insert(f, ());
                c.field = Some(f.name().to_owned());
                if f.kind() == FieldKind::Date {
                    c.date_formats = date_formats(table, i);
                }
            }
            None => c.ignore = true,
        }
        columns.push(c);
    }
    Mapping {
        sheet: None,
        columns,
    }
}

/// The date formats that read every non-empty value of a column, if some set does.
fn date_formats(table: &Table, col: usize) -> Vec<String> {
    const CANDIDATES: [&[&str]; 4] = [
        &["%Y-%m-%d", "%Y-%m", "%Y"],
        &["%d.%m.%Y", "%m.%Y", "%Y"],
        &["%d/%m/%Y", "%Y"],
        &["%m/%d/%Y", "%Y"],
    ];
    let values: Vec<&str> = table
        .rows
        .iter()
        .filter_map(|r| r.get(col))
        .map(|v| v.trim())
        .filter(|v| !v.is_empty())
        .take(1000)
        .collect();
    for cand in CANDIDATES {
        let formats: Vec<String> = cand.iter().map(|s| (*s).to_owned()).collect();
        if values.iter().all(|v| parse_date(v, &formats).is_ok()) {
            return formats;
        }
    }
    // Nothing reads them all: keep the ISO set, and the import will name the rows that fail.
    CANDIDATES[0].iter().map(|s| (*s).to_owned()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn guesses_three_languages() {
        let t = Table {
            file: "x.csv".into(),
            headers: [
                "Фамилия",
                "Имя",
                "Отчество",
                "Дата рождения",
                "Ծննդավայր",
                "family_name",
                "Whatever",
            ]
            .map(String::from)
            .to_vec(),
            rows: vec![["a", "b", "c", "07.03.1985", "d", "e", "f"]
                .map(String::from)
                .to_vec()],
        };
        let m = guess(&t);
        let fields: Vec<Option<&str>> = m.columns.iter().map(|c| c.field.as_deref()).collect();
        assert_eq!(
            fields,
            [
                Some("family_name"),
                Some("given_name"),
                Some("patronymic"),
                Some("birth_date"),
                Some("birth_place"),
                None,
                None
            ]
        );
        assert_eq!(m.columns[3].date_formats[0], "%d.%m.%Y");
        assert!(m.columns[5].ignore, "a field already fed is not fed twice");
        assert!(m.compile("guess", &t.headers).is_ok());
    }
}
