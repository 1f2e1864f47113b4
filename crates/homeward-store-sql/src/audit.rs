//! The audit log inside the database: triggers on every registry table note which rows a
//! transaction changed (table, row id, operation) in `audit_pending`; [`flush`], called by
//! `tx::commit`, turns them into log entries that commit to the rows' content and empties
//! the pending table before the transaction commits. So a change and its log entry land
//! together or not at all, whichever write path made the change.
//!
//! Tables are found from the schema at start-up, so a table another area adds later is
//! audited without touching this module. Entries hold ids and commitments (HMAC-SHA-256
//! under a per-row salt kept in `audit_salts`), never personal data.
//!
//! Bulk writers (the import) log the rows they insert themselves, from the values they hold
//! in memory, instead of having the triggers note each row and [`flush`] read it back: they
//! switch the insert triggers of named tables off for their own transaction only
//! ([`bulk_on`], [`bulk_off`]: a row per table in `audit_bulk`, never committed, so seen by
//! no other transaction and gone with this one whatever happens), and write each
//! row's salt and entry ([`created_entry`], [`append`]) in the same transaction. Updates and
//! deletes are always noted by the triggers.

use crate::dialect::Dialect;
use crate::rows::q;
use crate::store::{insert_rows, Val};
use homeward_store::{current_actor, AuditRow, RowProblem, RowProblemKind, StoreError};
use homeward_trust::audit::{commit, new_salt, Action, AuditEntry, Hash};
use rand::rngs::OsRng;
use rand::SeedableRng;
use rand_chacha::ChaCha20Rng;
use sqlx::{AnyConnection, Row};
use std::collections::{BTreeMap, HashMap, HashSet};

/// Tables that are not audited: the log's own tables, data keys (their rotation is logged
/// as an event), sessions, and the name index (derived from records, and its keys are name
/// parts, which must never reach the log).
const UNAUDITED: &[&str] = &[
    "audit_pending",
    "audit_bulk",
    "audit_log",
    "audit_salts",
    "row_keys",
    "sessions",
    "name_terms",
    "name_tokens",
    "name_vocab_keys",
    "name_vocab_grams",
];

/// Actions of row changes, by the trigger's operation.
fn row_action(op: &str) -> Option<&'static str> {
    match op {
        "insert" => Some("create"),
        "update" => Some("update"),
        "delete" => Some("delete"),
        "read" => Some("read_sensitive"),
        _ => None,
    }
}

/// The shape of an audited table.
#[derive(Debug, Clone)]
pub(crate) struct Shape {
    pub(crate) name: String,
    pub(crate) keys: Vec<String>,
    pub(crate) columns: Vec<String>,
}

impl Shape {
    /// The SQL expression of a row's id (key columns joined by `:`), over `prefix` (e.g. `NEW.`).
    fn id_expr(&self, prefix: &str) -> String {
        self.keys
            .iter()
            .map(|k| format!("CAST({prefix}\"{k}\" AS TEXT)"))
            .collect::<Vec<_>>()
            .join(" || ':' || ")
    }

    /// The expression to filter rows by id: the bare column when the key is one column
    /// (so that its index is used), the joined expression otherwise.
    fn filter_expr(&self) -> String {
        match self.keys.as_slice() {
            [one] => format!("\"{one}\""),
            _ => self.id_expr(""),
        }
    }

    fn select_content(&self) -> String {
        let cols: Vec<String> = self
            .columns
            .iter()
            .enumerate()
            .map(|(i, c)| format!("CAST(\"{c}\" AS TEXT) AS hw_c{i}"))
            .collect();
        format!(
            "SELECT {} AS hw_row_id, {} FROM \"{}\"",
            self.id_expr(""),
            cols.join(", "),
            self.name
        )
    }

    /// The canonical content of a row read by `select_content`: for each column in name
    /// order, its name, then 0 for NULL or 1, a u32 length and the text.
    fn content(&self, row: &sqlx::any::AnyRow) -> Result<Vec<u8>, StoreError> {
        let values = (0..self.columns.len())
            .map(|i| row.try_get::<Option<String>, _>(format!("hw_c{i}").as_str()))
            .collect::<Result<Vec<_>, _>>()
            .map_err(q)?;
        Ok(encode_content(
            &self.columns,
            values.iter().map(|v| v.as_deref()),
        ))
    }

    /// Where each of this table's columns (in name order) is among `written` (the columns
    /// of an INSERT), or `None` when one is not written: a bulk writer can then not know
    /// the row's whole content and leaves the row to the triggers.
    pub(crate) fn positions(&self, written: &[&str]) -> Option<Vec<usize>> {
        self.columns
            .iter()
            .map(|c| written.iter().position(|w| w == c))
            .collect()
    }
}

/// The canonical content of a row: for each column in name order, its name, then 0 for
/// NULL or 1, a u32 length and the text (the column's value cast to text by the database).
/// Written rows and rows read back are encoded by this one function.
pub(crate) fn encode_content<'a>(
    columns: &[String],
    values: impl IntoIterator<Item = Option<&'a str>>,
) -> Vec<u8> {
    let mut out = Vec::with_capacity(256);
    for (c, v) in columns.iter().zip(values) {
        out.extend_from_slice(&(c.len() as u32).to_be_bytes());
        out.extend_from_slice(c.as_bytes());
        match v {
            None => out.push(0),
            Some(v) => {
                out.push(1);
                out.extend_from_slice(&(v.len() as u32).to_be_bytes());
                out.extend_from_slice(v.as_bytes());
            }
        }
    }
    out
}

pub(crate) fn dialect_of(conn: &AnyConnection) -> Dialect {
    if conn.backend_name().eq_ignore_ascii_case("sqlite") {
        Dialect::Sqlite
    } else {
        Dialect::Postgres
    }
}

fn safe_ident(s: &str) -> bool {
    !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
}

/// The audited tables and their shapes, from the schema.
pub(crate) async fn shapes(conn: &mut AnyConnection) -> Result<Vec<Shape>, StoreError> {
    let d = dialect_of(conn);
    let names: Vec<String> = match d {
        Dialect::Sqlite => sqlx::query(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name NOT LIKE '_sqlx%' ORDER BY name",
        ),
        Dialect::Postgres => sqlx::query(
            "SELECT table_name::text AS name FROM information_schema.tables WHERE table_schema = 'public' AND table_type = 'BASE TABLE' AND table_name NOT LIKE '_sqlx%' ORDER BY table_name",
        ),
    }
    .fetch_all(&mut *conn)
    .await
    .map_err(q)?
    .iter()
    .map(|r| r.try_get::<String, _>("name").map_err(q))
    .collect::<Result<_, _>>()?;
    let mut out = Vec::new();
    for name in names {
        if let Some(shape) = audited_shape(conn, d, &name).await? {
            out.push(shape);
        }
    }
    Ok(out)
}

/// The shape of `table` if it is audited: not one of [`UNAUDITED`], and a name safe to
/// put in SQL.
async fn audited_shape(
    conn: &mut AnyConnection,
    d: Dialect,
    table: &str,
) -> Result<Option<Shape>, StoreError> {
    if UNAUDITED.contains(&table) || !safe_ident(table) {
        return Ok(None);
    }
    shape(conn, d, table).await
}

/// The shape of one audited table (`None` when it is not audited).
pub(crate) async fn shape(
    conn: &mut AnyConnection,
    d: Dialect,
    table: &str,
) -> Result<Option<Shape>, StoreError> {
    let (mut columns, keys): (Vec<String>, Vec<String>) = match d {
        Dialect::Sqlite => {
            let rows = sqlx::query("SELECT name, pk FROM pragma_table_info(?) ORDER BY cid")
                .bind(table.to_owned())
                .fetch_all(&mut *conn)
                .await
                .map_err(q)?;
            let mut cols = Vec::new();
            let mut keys: Vec<(i64, String)> = Vec::new();
            for r in rows {
                let name: String = r.try_get("name").map_err(q)?;
                let pk: i64 = r.try_get("pk").map_err(q)?;
                if pk > 0 {
                    keys.push((pk, name.clone()));
                }
                cols.push(name);
            }
            keys.sort();
            (cols, keys.into_iter().map(|(_, k)| k).collect())
        }
        Dialect::Postgres => {
            let cols = sqlx::query(
                "SELECT column_name::text AS name FROM information_schema.columns WHERE table_schema = 'public' AND table_name = $1",
            )
            .bind(table.to_owned())
            .fetch_all(&mut *conn)
            .await
            .map_err(q)?
            .iter()
            .map(|r| r.try_get::<String, _>("name").map_err(q))
            .collect::<Result<Vec<_>, _>>()?;
            let keys = sqlx::query(
                "SELECT a.attname::text AS name FROM pg_index i JOIN pg_attribute a \
                 ON a.attrelid = i.indrelid AND a.attnum = ANY(i.indkey) \
                 WHERE i.indrelid = $1::regclass AND i.indisprimary \
                 ORDER BY array_position(i.indkey::int2[], a.attnum)",
            )
            .bind(table.to_owned())
            .fetch_all(&mut *conn)
            .await
            .map_err(q)?
            .iter()
            .map(|r| r.try_get::<String, _>("name").map_err(q))
            .collect::<Result<Vec<_>, _>>()?;
            (cols, keys)
        }
    };
    if keys.is_empty() || !columns.iter().chain(&keys).all(|c| safe_ident(c)) {
        tracing::warn!(
            table,
            "table without a primary key or with odd column names is not audited"
        );
        return Ok(None);
    }
    columns.sort();
    Ok(Some(Shape {
        name: table.to_owned(),
        keys,
        columns,
    }))
}

/// Creates the audit triggers on every audited table that has none yet (start-up), and
/// returns the tables that got them just now: rows already in those tables (seed data of
/// a migration) predate auditing and are logged once as created, by [`baseline`].
pub(crate) async fn install_triggers(conn: &mut AnyConnection) -> Result<Vec<Shape>, StoreError> {
    let d = dialect_of(conn);
    install_bulk_switch(conn, d).await?;
    let mut fresh = Vec::new();
    for s in shapes(conn).await? {
        match d {
            Dialect::Sqlite => {
                let insert_sql: Option<String> = sqlx::query(
                    "SELECT sql FROM sqlite_master WHERE type = 'trigger' AND name = ?",
                )
                .bind(format!("audit_{}_insert", s.name))
                .fetch_optional(&mut *conn)
                .await
                .map_err(q)?
                .map(|r| r.try_get::<String, _>("sql"))
                .transpose()
                .map_err(q)?;
                match insert_sql {
                    None => fresh.push(s.clone()),
                    // A trigger from before bulk writers could switch it off is replaced.
                    Some(sql) if !sql.contains(BULK_TABLE) => {
                        sqlx::query(&format!("DROP TRIGGER \"audit_{}_insert\"", s.name))
                            .execute(&mut *conn)
                            .await
                            .map_err(q)?;
                    }
                    Some(_) => {}
                }
                for (op, row) in [("insert", "NEW."), ("update", "NEW."), ("delete", "OLD.")] {
                    let when = if op == "insert" {
                        format!(
                            "WHEN NOT EXISTS (SELECT 1 FROM {BULK_TABLE} WHERE tbl = '{}') ",
                            s.name
                        )
                    } else {
                        String::new()
                    };
                    let sql = format!(
                        "CREATE TRIGGER IF NOT EXISTS \"audit_{t}_{op}\" AFTER {OP} ON \"{t}\" {when}BEGIN \
                         INSERT INTO audit_pending (tbl, row_id, op) VALUES ('{t}', {id}, '{op}'); END",
                        t = s.name,
                        OP = op.to_uppercase(),
                        id = s.id_expr(row),
                    );
                    sqlx::query(&sql).execute(&mut *conn).await.map_err(q)?;
                }
            }
            Dialect::Postgres => {
                let exists = sqlx::query(
                    "SELECT 1 AS x FROM pg_trigger WHERE tgname = 'audit_note_row' AND tgrelid = $1::regclass",
                )
                .bind(s.name.clone())
                .fetch_optional(&mut *conn)
                .await
                .map_err(q)?;
                if exists.is_none() {
                    fresh.push(s.clone());
                    let args: Vec<String> = s.keys.iter().map(|k| format!("'{k}'")).collect();
                    let sql = format!(
                        "CREATE OR REPLACE TRIGGER audit_note_row AFTER INSERT OR UPDATE OR DELETE ON \"{}\" \
                         FOR EACH ROW EXECUTE FUNCTION audit_note({})",
                        s.name,
                        args.join(", ")
                    );
                    sqlx::query(&sql).execute(&mut *conn).await.map_err(q)?;
                }
            }
        }
    }
    Ok(fresh)
}

/// The table whose rows (table names) switch those tables' insert triggers off, in the
/// transaction that wrote them (never committed: [`bulk_off`] empties it). Created at
/// start-up like the triggers, on both backends, so that their schemas stay the same.
const BULK_TABLE: &str = "audit_bulk";

/// The PostgreSQL trigger function of migration 0005, with the bulk switch added.
const PG_AUDIT_NOTE: &str = r#"CREATE OR REPLACE FUNCTION audit_note() RETURNS trigger AS $$
DECLARE
    j jsonb;
    k text := '';
    i int;
BEGIN
    -- A bulk writer that logs the rows it inserts itself names their tables here, for its
    -- own transaction only.
    IF TG_OP = 'INSERT' AND EXISTS (SELECT 1 FROM audit_bulk WHERE tbl = TG_TABLE_NAME) THEN
        RETURN NULL;
    END IF;
    IF TG_OP = 'DELETE' THEN j := to_jsonb(OLD); ELSE j := to_jsonb(NEW); END IF;
    FOR i IN 0 .. TG_NARGS - 1 LOOP
        IF i > 0 THEN k := k || ':'; END IF;
        k := k || coalesce(j ->> TG_ARGV[i], '');
    END LOOP;
    INSERT INTO audit_pending (tbl, row_id, op) VALUES (TG_TABLE_NAME, k, lower(TG_OP));
    RETURN NULL;
END
$$ LANGUAGE plpgsql"#;

/// Makes the switch of [`bulk_on`] exist (start-up; nothing is written when it does).
async fn install_bulk_switch(conn: &mut AnyConnection, d: Dialect) -> Result<(), StoreError> {
    let exists = match d {
        Dialect::Sqlite => {
            sqlx::query("SELECT 1 AS x FROM sqlite_master WHERE type = 'table' AND name = ?")
        }
        Dialect::Postgres => sqlx::query(
            "SELECT 1 AS x FROM information_schema.tables WHERE table_schema = 'public' AND table_name = $1",
        ),
    }
    .bind(BULK_TABLE)
    .fetch_optional(&mut *conn)
    .await
    .map_err(q)?;
    if exists.is_none() {
        sqlx::query(&format!(
            "CREATE TABLE IF NOT EXISTS {BULK_TABLE} (tbl TEXT PRIMARY KEY)"
        ))
        .execute(&mut *conn)
        .await
        .map_err(q)?;
    }
    if d == Dialect::Postgres {
        let src: Option<String> = sqlx::query(
            "SELECT prosrc FROM pg_proc WHERE proname = 'audit_note' AND pronamespace = 'public'::regnamespace",
        )
        .fetch_optional(&mut *conn)
        .await
        .map_err(q)?
        .map(|r| r.try_get::<String, _>("prosrc"))
        .transpose()
        .map_err(q)?;
        if src.is_some_and(|s| !s.contains(BULK_TABLE)) {
            sqlx::query(PG_AUDIT_NOTE)
                .execute(&mut *conn)
                .await
                .map_err(q)?;
        }
    }
    Ok(())
}

/// Switches the insert triggers of `tables` off for the rest of this transaction (or until
/// [`bulk_off`]): the caller logs every row it inserts into them with [`created_entry`] and
/// [`append`], in this transaction.
pub(crate) async fn bulk_on(
    tx: &mut crate::tx::Tx,
    d: Dialect,
    tables: &[&'static str],
) -> Result<(), StoreError> {
    let sql = d
        .sql(&format!(
            "INSERT INTO {BULK_TABLE} (tbl) VALUES (?) ON CONFLICT DO NOTHING"
        ))
        .into_owned();
    for t in tables {
        sqlx::query(&sql)
            .bind(*t)
            .execute(&mut **tx)
            .await
            .map_err(q)?;
    }
    Ok(())
}

/// Switches every insert trigger back on.
pub(crate) async fn bulk_off(tx: &mut crate::tx::Tx) -> Result<(), StoreError> {
    sqlx::query(&format!("DELETE FROM {BULK_TABLE}"))
        .execute(&mut **tx)
        .await
        .map(|_| ())
        .map_err(q)
}

/// Where a bulk writer's entries go: the next sequence number of the log (on PostgreSQL
/// after taking the log's lock, held to the end of the transaction, as [`flush`] does), and
/// the time and actor of its entries.
pub(crate) struct LogTail {
    /// The sequence number of the next entry.
    pub(crate) next: u64,
    /// Unix seconds.
    pub(crate) at: i64,
    /// Who acts (the task's audit actor).
    pub(crate) actor: String,
}

/// Reads the end of the log for a bulk writer (see [`LogTail`]).
pub(crate) async fn tail(tx: &mut crate::tx::Tx, d: Dialect) -> Result<LogTail, StoreError> {
    if d == Dialect::Postgres {
        sqlx::query("LOCK TABLE audit_log IN EXCLUSIVE MODE")
            .execute(&mut **tx)
            .await
            .map_err(q)?;
    }
    let next: i64 = sqlx::query("SELECT COALESCE(MAX(seq) + 1, 0) AS n FROM audit_log")
        .fetch_one(&mut **tx)
        .await
        .map_err(q)?
        .try_get("n")
        .map_err(q)?;
    Ok(LogTail {
        next: u64::try_from(next).map_err(|_| StoreError::Corrupt {
            table: "audit_log",
            column: "seq",
        })?,
        at: now(),
        actor: current_actor(),
    })
}

/// The log entry of a row a bulk writer created (with a fresh `salt`), ready to append:
/// pure, so that a chunk's entries are computed in parallel.
pub(crate) fn created_entry(
    tail: &LogTail,
    seq: u64,
    table: &str,
    id: &str,
    salt: &[u8; 32],
    content: &[u8],
) -> Result<NewEntry, StoreError> {
    let commitment = commit(salt, content);
    let entry = AuditEntry {
        seq,
        at: tail.at,
        actor: tail.actor.clone(),
        action: Action::from_name("create"),
        object_kind: table.to_owned(),
        object_id: id.to_owned(),
        commitment,
    };
    let leaf = entry
        .leaf_hash()
        .map_err(|e| StoreError::Query(format!("audit entry refused: {e}")))?;
    Ok(NewEntry {
        seq: i64::try_from(seq).unwrap_or(i64::MAX),
        commitment: hex(&commitment),
        leaf: hex(&leaf),
        salt: hex(salt),
    })
}

/// A computed entry of a created row (hex as stored); its table and id are the caller's.
pub(crate) struct NewEntry {
    seq: i64,
    commitment: String,
    leaf: String,
    salt: String,
}

/// Appends a bulk writer's entries of created rows of `table` (row id and entry, in
/// sequence order) and their salts.
pub(crate) async fn append(
    tx: &mut crate::tx::Tx,
    d: Dialect,
    tail: &LogTail,
    table: &'static str,
    entries: &[(&str, &NewEntry)],
) -> Result<(), StoreError> {
    let mut salts: Vec<(&str, &str)> = entries
        .iter()
        .map(|(id, e)| (*id, e.salt.as_str()))
        .collect();
    // In key order: the salts' index is written in runs, not at random places.
    salts.sort_unstable();
    crate::import::insert_each(
        tx,
        d,
        "INSERT INTO audit_salts (tbl, row_id, salt)",
        3,
        &salts,
        |query, (id, salt)| query.bind(table).bind(*id).bind(*salt),
    )
    .await?;
    let actor = tail.actor.as_str();
    let at = tail.at;
    crate::import::insert_each(
        tx,
        d,
        "INSERT INTO audit_log (seq, at, actor, action, object_kind, object_id, commitment, leaf_hash)",
        8,
        entries,
        |query, (id, e)| {
            query
                .bind(e.seq)
                .bind(at)
                .bind(actor)
                .bind("create")
                .bind(table)
                .bind(*id)
                .bind(e.commitment.as_str())
                .bind(e.leaf.as_str())
        },
    )
    .await
}

/// Logs, in one transaction, every row of tables that were just put under audit.
pub(crate) async fn baseline(pool: &sqlx::AnyPool, fresh: &[Shape]) -> Result<(), StoreError> {
    if fresh.is_empty() {
        return Ok(());
    }
    let mut tx = crate::tx::begin(pool).await?;
    for s in fresh {
        let sql = format!(
            "INSERT INTO audit_pending (tbl, row_id, op) SELECT '{}', {}, 'insert' FROM \"{}\"",
            s.name,
            s.id_expr(""),
            s.name
        );
        sqlx::query(&sql).execute(&mut *tx).await.map_err(q)?;
    }
    crate::tx::commit(tx).await
}

pub(crate) fn hex(b: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(b.len() * 2);
    for x in b {
        out.push(char::from(DIGITS[usize::from(x >> 4)]));
        out.push(char::from(DIGITS[usize::from(x & 0x0f)]));
    }
    out
}

pub(crate) fn unhex32(s: &str) -> Option<[u8; 32]> {
    if s.len() != 64 || !s.is_ascii() {
        return None;
    }
    let mut out = [0u8; 32];
    for (i, o) in out.iter_mut().enumerate() {
        *o = u8::from_str_radix(s.get(2 * i..2 * i + 2)?, 16).ok()?;
    }
    Some(out)
}

fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
        .unwrap_or(0)
}

/// Reads the content of the rows `ids` of `shape`, by row id.
async fn contents(
    conn: &mut AnyConnection,
    d: Dialect,
    shape: &Shape,
    ids: &[String],
) -> Result<HashMap<String, Vec<u8>>, StoreError> {
    let mut out = HashMap::new();
    for chunk in ids.chunks(400) {
        let marks = vec!["?"; chunk.len()].join(",");
        let sql = d
            .sql(&format!(
                "{} WHERE {} IN ({marks})",
                shape.select_content(),
                shape.filter_expr()
            ))
            .into_owned();
        let mut query = sqlx::query(&sql);
        for id in chunk {
            query = query.bind(id.clone());
        }
        for r in query.fetch_all(&mut *conn).await.map_err(q)? {
            let id: String = r.try_get("hw_row_id").map_err(q)?;
            out.insert(id, shape.content(&r)?);
        }
    }
    Ok(out)
}

async fn salts(
    conn: &mut AnyConnection,
    d: Dialect,
    table: &str,
    ids: &[String],
) -> Result<HashMap<String, [u8; 32]>, StoreError> {
    let mut out = HashMap::new();
    for chunk in ids.chunks(400) {
        let marks = vec!["?"; chunk.len()].join(",");
        let sql = d
            .sql(&format!(
                "SELECT row_id, salt FROM audit_salts WHERE tbl = ? AND row_id IN ({marks})"
            ))
            .into_owned();
        let mut query = sqlx::query(&sql).bind(table.to_owned());
        for id in chunk {
            query = query.bind(id.clone());
        }
        for r in query.fetch_all(&mut *conn).await.map_err(q)? {
            let id: String = r.try_get("row_id").map_err(q)?;
            let salt: String = r.try_get("salt").map_err(q)?;
            let salt = unhex32(&salt).ok_or(StoreError::Corrupt {
                table: "audit_salts",
                column: "salt",
            })?;
            out.insert(id, salt);
        }
    }
    Ok(out)
}

/// Turns the pending notes of this transaction into log entries and empties them. Called
/// by `tx::commit` just before the commit, inside the transaction.
pub(crate) async fn flush(tx: &mut crate::tx::Tx) -> Result<(), StoreError> {
    let conn: &mut AnyConnection = tx;
    let d = dialect_of(conn);
    let pending = sqlx::query("SELECT id, tbl, row_id, op FROM audit_pending ORDER BY id")
        .fetch_all(&mut *conn)
        .await
        .map_err(q)?;
    if pending.is_empty() {
        return Ok(());
    }
    if d == Dialect::Postgres {
        // One writer of the log at a time, so that sequence numbers have no gaps or twins.
        sqlx::query("LOCK TABLE audit_log IN EXCLUSIVE MODE")
            .execute(&mut *conn)
            .await
            .map_err(q)?;
    }
    // Row changes are collapsed per row (first appearance order); events stay one each.
    enum Item {
        Row {
            table: String,
            id: String,
            ops: Vec<String>,
        },
        Event {
            kind: String,
            id: String,
            action: String,
        },
    }
    let mut items: Vec<Item> = Vec::new();
    let mut index: HashMap<(String, String), usize> = HashMap::new();
    for r in &pending {
        let table: String = r.try_get("tbl").map_err(q)?;
        let id: String = r.try_get("row_id").map_err(q)?;
        let op: String = r.try_get("op").map_err(q)?;
        if let Some(action) = op.strip_prefix("event:") {
            items.push(Item::Event {
                kind: table,
                id,
                action: action.to_owned(),
            });
            continue;
        }
        match index.get(&(table.clone(), id.clone())) {
            Some(&i) => {
                if let Some(Item::Row { ops, .. }) = items.get_mut(i) {
                    ops.push(op);
                }
            }
            None => {
                index.insert((table.clone(), id.clone()), items.len());
                items.push(Item::Row {
                    table,
                    id,
                    ops: vec![op],
                });
            }
        }
    }
    // Content and salts of the rows, table by table.
    let mut by_table: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for it in &items {
        if let Item::Row { table, id, .. } = it {
            by_table.entry(table.clone()).or_default().push(id.clone());
        }
    }
    // Only the shapes of the tables touched: a transaction that only logged reads (every
    // person page) touches none, and reading all sixteen shapes cost it 17 queries.
    let mut all_shapes: HashMap<String, Shape> = HashMap::new();
    for table in by_table.keys() {
        if let Some(shape) = audited_shape(conn, d, table).await? {
            all_shapes.insert(table.clone(), shape);
        }
    }
    let mut content: HashMap<(String, String), Vec<u8>> = HashMap::new();
    let mut salt_of: HashMap<(String, String), [u8; 32]> = HashMap::new();
    let mut new_salts: Vec<Vec<Val>> = Vec::new();
    let mut rng = ChaCha20Rng::from_rng(OsRng).map_err(|e| StoreError::Query(e.to_string()))?;
    for (table, ids) in &by_table {
        let Some(shape) = all_shapes.get(table) else {
            continue;
        };
        let c = contents(conn, d, shape, ids).await?;
        let s = salts(conn, d, table, ids).await?;
        for id in ids {
            if let Some(bytes) = c.get(id) {
                let salt = match s.get(id) {
                    Some(salt) => *salt,
                    None => {
                        let salt = new_salt(&mut rng);
                        new_salts.push(vec![
                            table.as_str().into(),
                            id.as_str().into(),
                            hex(&salt).into(),
                        ]);
                        salt
                    }
                };
                salt_of.insert((table.clone(), id.clone()), salt);
                content.insert((table.clone(), id.clone()), bytes.clone());
            }
        }
    }
    let next: i64 = sqlx::query("SELECT COALESCE(MAX(seq) + 1, 0) AS n FROM audit_log")
        .fetch_one(&mut *conn)
        .await
        .map_err(q)?
        .try_get("n")
        .map_err(q)?;
    let mut seq = u64::try_from(next).map_err(|_| StoreError::Corrupt {
        table: "audit_log",
        column: "seq",
    })?;
    let at = now();
    let actor = current_actor();
    let mut log_rows: Vec<Vec<Val>> = Vec::with_capacity(items.len());
    #[allow(clippy::explicit_counter_loop)] // seq is u64 and starts at the log's end
    for it in items {
        let (kind, id, action, commitment) = match it {
            Item::Event { kind, id, action } => (kind, id, action, [0u8; 32]),
            Item::Row { table, id, ops } => {
                let key = (table.clone(), id.clone());
                let exists = content.contains_key(&key);
                let action = if !exists {
                    "delete"
                } else if ops.iter().any(|o| o == "insert") {
                    "create"
                } else if ops.iter().any(|o| o == "update" || o == "delete") {
                    "update"
                } else {
                    ops.first().and_then(|o| row_action(o)).unwrap_or("update")
                };
                let commitment = match (content.get(&key), salt_of.get(&key)) {
                    (Some(c), Some(s)) => commit(s, c),
                    _ => [0u8; 32],
                };
                (table, id, action.to_owned(), commitment)
            }
        };
        let entry = AuditEntry {
            seq,
            at,
            actor: actor.clone(),
            action: Action::from_name(&action),
            object_kind: kind,
            object_id: id,
            commitment,
        };
        let leaf = entry
            .leaf_hash()
            .map_err(|e| StoreError::Query(format!("audit entry refused: {e}")))?;
        log_rows.push(vec![
            Val::Int(i64::try_from(seq).unwrap_or(i64::MAX)),
            Val::Int(at),
            entry.actor.clone().into(),
            entry.action.name().into(),
            entry.object_kind.clone().into(),
            entry.object_id.clone().into(),
            hex(&commitment).into(),
            hex(&leaf).into(),
        ]);
        seq += 1;
    }
    insert_rows(tx, d, "audit_salts", &["tbl", "row_id", "salt"], new_salts).await?;
    insert_rows(
        tx,
        d,
        "audit_log",
        &[
            "seq",
            "at",
            "actor",
            "action",
            "object_kind",
            "object_id",
            "commitment",
            "leaf_hash",
        ],
        log_rows,
    )
    .await?;
    sqlx::query("DELETE FROM audit_pending")
        .execute(&mut **tx)
        .await
        .map_err(q)?;
    Ok(())
}

/// Notes an event (or a read) to be logged when the transaction commits.
pub(crate) async fn note(
    tx: &mut crate::tx::Tx,
    kind: &str,
    id: &str,
    op: &str,
) -> Result<(), StoreError> {
    let d = dialect_of(tx);
    sqlx::query(&d.sql("INSERT INTO audit_pending (tbl, row_id, op) VALUES (?, ?, ?)"))
        .bind(kind.to_owned())
        .bind(id.to_owned())
        .bind(op.to_owned())
        .execute(&mut **tx)
        .await
        .map_err(q)?;
    Ok(())
}

/// The whole log, in order.
pub(crate) async fn rows(conn: &mut AnyConnection) -> Result<Vec<AuditRow>, StoreError> {
    let rows = sqlx::query(
        "SELECT seq, at, actor, action, object_kind, object_id, commitment, leaf_hash FROM audit_log ORDER BY seq",
    )
    .fetch_all(&mut *conn)
    .await
    .map_err(q)?;
    rows.iter()
        .map(|r| {
            let seq: i64 = r.try_get("seq").map_err(q)?;
            let corrupt = |column| StoreError::Corrupt {
                table: "audit_log",
                column,
            };
            let commitment: String = r.try_get("commitment").map_err(q)?;
            let leaf: String = r.try_get("leaf_hash").map_err(q)?;
            Ok(AuditRow {
                seq: u64::try_from(seq).map_err(|_| corrupt("seq"))?,
                at: r.try_get("at").map_err(q)?,
                actor: r.try_get("actor").map_err(q)?,
                action: r.try_get("action").map_err(q)?,
                object_kind: r.try_get("object_kind").map_err(q)?,
                object_id: r.try_get("object_id").map_err(q)?,
                commitment: unhex32(&commitment).ok_or(corrupt("commitment"))?,
                leaf_hash: unhex32(&leaf).ok_or(corrupt("leaf_hash"))?,
            })
        })
        .collect()
}

/// Every row the log does not vouch for: altered, unlogged, missing, or noted by the
/// triggers outside the application.
pub(crate) async fn problems(conn: &mut AnyConnection) -> Result<Vec<RowProblem>, StoreError> {
    let mut out = Vec::new();
    for r in sqlx::query("SELECT tbl, row_id FROM audit_pending ORDER BY id")
        .fetch_all(&mut *conn)
        .await
        .map_err(q)?
    {
        out.push(RowProblem {
            table: r.try_get("tbl").map_err(q)?,
            row_id: r.try_get("row_id").map_err(q)?,
            kind: RowProblemKind::Pending,
            seq: None,
        });
    }
    let log = rows(conn).await?;
    // The last entry about each row that states its content (or its erasure).
    let mut last: HashMap<(String, String), (u64, String, Hash)> = HashMap::new();
    for e in &log {
        if matches!(
            e.action.as_str(),
            "create" | "update" | "delete" | "read_sensitive" | "erase"
        ) {
            last.insert(
                (e.object_kind.clone(), e.object_id.clone()),
                (e.seq, e.action.clone(), e.commitment),
            );
        }
    }
    let d = dialect_of(conn);
    let shapes = shapes(conn).await?;
    let mut seen: HashSet<(String, String)> = HashSet::new();
    for shape in &shapes {
        let all_salts: HashMap<String, [u8; 32]> = {
            let rows = sqlx::query(&d.sql("SELECT row_id, salt FROM audit_salts WHERE tbl = ?"))
                .bind(shape.name.clone())
                .fetch_all(&mut *conn)
                .await
                .map_err(q)?;
            let mut m = HashMap::new();
            for r in rows {
                let salt: String = r.try_get("salt").map_err(q)?;
                if let Some(s) = unhex32(&salt) {
                    m.insert(r.try_get("row_id").map_err(q)?, s);
                }
            }
            m
        };
        let rows = sqlx::query(&shape.select_content())
            .fetch_all(&mut *conn)
            .await
            .map_err(q)?;
        let mut found: Vec<(String, RowProblemKind, Option<u64>)> = Vec::new();
        for r in &rows {
            let id: String = r.try_get("hw_row_id").map_err(q)?;
            let key = (shape.name.clone(), id.clone());
            match last.get(&key) {
                None => found.push((id, RowProblemKind::Unlogged, None)),
                Some((_, action, _)) if action == "erase" => {}
                Some((seq, action, _)) if action == "delete" => {
                    found.push((id, RowProblemKind::Unlogged, Some(*seq)))
                }
                Some((seq, _, commitment)) => {
                    let ok = all_salts.get(&id).is_some_and(|s| {
                        commit(s, &shape.content(r).unwrap_or_default()) == *commitment
                    });
                    if !ok {
                        found.push((id, RowProblemKind::Altered, Some(*seq)));
                    }
                }
            }
            seen.insert(key);
        }
        found.sort_by_key(|(_, _, seq)| *seq);
        out.extend(found.into_iter().map(|(row_id, kind, seq)| RowProblem {
            table: shape.name.clone(),
            row_id,
            kind,
            seq,
        }));
    }
    let audited: HashSet<&str> = shapes.iter().map(|s| s.name.as_str()).collect();
    let mut missing: Vec<RowProblem> = last
        .iter()
        .filter(|(k, (_, action, _))| {
            audited.contains(k.0.as_str())
                && !seen.contains(*k)
                && action != "delete"
                && action != "erase"
        })
        .map(|(k, (seq, _, _))| RowProblem {
            table: k.0.clone(),
            row_id: k.1.clone(),
            kind: RowProblemKind::Missing,
            seq: Some(*seq),
        })
        .collect();
    missing.sort_by_key(|p| p.seq);
    out.extend(missing);
    Ok(out)
}
