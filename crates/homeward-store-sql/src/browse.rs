//! `BrowseStore` on SQL: facet counts straight from the records, persons paged by name.

use async_trait::async_trait;
use homeward_domain::{Category, IdKind, Person, Status};
use homeward_store::{BrowseStore, FacetCount, PersonFilter, StoreError};
use sqlx::Row;

use crate::rows::{self, q};
use crate::store::{bool_col, SqlStore, Val};

/// Parses an enumeration column; a value the enumeration does not know is corruption.
fn enum_col<T: std::str::FromStr>(
    row: &sqlx::any::AnyRow,
    col: &'static str,
) -> Result<Option<T>, StoreError> {
    let s: Option<String> = row.try_get(col).map_err(q)?;
    s.map(|s| {
        s.parse().map_err(|_| StoreError::Corrupt {
            table: "records",
            column: col,
        })
    })
    .transpose()
}

#[async_trait]
impl BrowseStore for SqlStore {
    async fn facet_counts(&self) -> Result<Vec<FacetCount>, StoreError> {
        let rows = self
            .fetch_all(
                "SELECT status, category, COUNT(DISTINCT person_id) AS n FROM records \
                 GROUP BY status, category",
                vec![],
            )
            .await?;
        let mut out = rows
            .iter()
            .map(|r| {
                let n: i64 = r.try_get("n").map_err(q)?;
                Ok(FacetCount {
                    status: enum_col::<Status>(r, "status")?,
                    category: enum_col::<Category>(r, "category")?,
                    persons: u64::try_from(n).unwrap_or(0),
                })
            })
            .collect::<Result<Vec<_>, StoreError>>()?;
        // The databases order NULLs differently; sort here so both backends agree.
        out.sort_by_key(|f| {
            (
                f.status.is_none(),
                f.status,
                f.category.is_none(),
                f.category,
            )
        });
        Ok(out)
    }

    async fn persons_page(
        &self,
        offset: u64,
        limit: u32,
    ) -> Result<(Vec<Person>, u64), StoreError> {
        self.persons_filtered(&PersonFilter::default(), offset, limit)
            .await
    }

    async fn persons_filtered(
        &self,
        filter: &PersonFilter,
        offset: u64,
        limit: u32,
    ) -> Result<(Vec<Person>, u64), StoreError> {
        // One EXISTS per condition: a person passes when some record states each value,
        // not necessarily the same record. Only set conditions become SQL, so no untyped
        // NULL parameter reaches PostgreSQL.
        let mut conds: Vec<&str> = Vec::new();
        let mut args: Vec<Val> = Vec::new();
        if let Some(st) = filter.status {
            conds
                .push("EXISTS (SELECT 1 FROM records r WHERE r.person_id = p.id AND r.status = ?)");
            args.push(Val::from(st.as_str()));
        }
        if let Some(c) = filter.category {
            conds.push(
                "EXISTS (SELECT 1 FROM records r WHERE r.person_id = p.id AND r.category = ?)",
            );
            args.push(Val::from(c.as_str()));
        }
        if let Some(src) = &filter.source {
            conds.push(
                "EXISTS (SELECT 1 FROM records r WHERE r.person_id = p.id AND r.source_id = ?)",
            );
            args.push(Val::from(src.as_str()));
        }
        let clause = if conds.is_empty() {
            String::new()
        } else {
            format!(" WHERE {}", conds.join(" AND "))
        };
        let total = self
            .fetch_all(
                &format!("SELECT COUNT(*) AS n FROM persons p{clause}"),
                args.clone(),
            )
            .await?
            .first()
            .map(|r| r.try_get::<i64, _>("n").map_err(q))
            .transpose()?
            .unwrap_or(0);
        let mut page_args = args;
        page_args.push(Val::Int(i64::from(limit)));
        page_args.push(Val::Int(i64::try_from(offset).unwrap_or(i64::MAX)));
        let rows = self
            .fetch_all(
                &format!(
                    "SELECT p.id, p.display_name, p.reviewed FROM persons p{clause} \
                     ORDER BY p.display_name, p.id LIMIT ? OFFSET ?"
                ),
                page_args,
            )
            .await?;
        let persons = rows
            .iter()
            .map(|r| {
                Ok(Person {
                    id: rows::id(r, "id", "persons", IdKind::Person)?,
                    display_name: r.try_get("display_name").map_err(q)?,
                    reviewed: bool_col(r, "reviewed")?,
                })
            })
            .collect::<Result<Vec<_>, StoreError>>()?;
        Ok((persons, u64::try_from(total).unwrap_or(0)))
    }
}
