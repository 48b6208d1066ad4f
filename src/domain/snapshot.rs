//! The portable snapshot format: a logical export of every resource table as one JSON document,
//! the same on SQLite and PostgreSQL, so a snapshot taken on one backend restores on the other.
//! This module owns the format (encoding, and decoding with a dispatch on the format version); the
//! store reads and writes the rows (`store/portable.rs`). No I/O here.
//!
//! Version 1 (`tests/fixtures/snapshot-v1.json` is one):
//!
//! ```json
//! {"format": "ecs-imagebuilder-emulator/snapshot", "version": 1, "schema": 11, "createdMs": 1700000000000,
//!  "tables": {"image_pipelines": {"columns": ["id", "account", …], "rows": [["p-…", "1234…", …], …]}, …}}
//! ```
//!
//! `schema` is the highest database migration the exporting emulator had applied; `tables` maps a
//! table name to its column names and rows, tables in name order, rows sorted (by their values in
//! column order: null, then integers, then text by bytes), so both backends export the same text. A value is a JSON integer (an
//! `i64`), a string, `null`, or bytes as `{"base64": "…"}` (no column of today's schema holds bytes).
//! A version-1 document has exactly these keys; anything else is refused as malformed.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use base64::Engine;
use serde::de::{self, Deserializer, MapAccess, SeqAccess, Visitor};
use serde::Deserialize;

/// The `format` every portable snapshot carries.
pub const FORMAT: &str = "ecs-imagebuilder-emulator/snapshot";

/// The format version this build writes (and the newest it reads).
pub const VERSION: i64 = 1;

/// One stored value (ordered null, integers, text, bytes: the order rows are exported in).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum Cell {
    Null,
    Int(i64),
    Text(String),
    Bytes(Vec<u8>),
}

/// One table: its column names and its rows (each as long as `columns`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Table {
    pub columns: Vec<String>,
    pub rows: Vec<Vec<Cell>>,
}

/// A decoded snapshot, whatever format version it was written in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Snapshot {
    /// The highest migration version of the database it was taken from.
    pub schema: i64,
    pub created_ms: i64,
    pub tables: BTreeMap<String, Table>,
}

/// Why a document is not a snapshot this build can read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DecodeError {
    /// Not JSON, not this format, or not well formed (the reason).
    Malformed(String),
    /// Written in a newer format version than [`VERSION`].
    NewerFormat(i64),
}

impl fmt::Display for DecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DecodeError::Malformed(why) => write!(f, "not a valid portable snapshot: {why}"),
            DecodeError::NewerFormat(v) => {
                write!(f, "written in portable format version {v}; this emulator reads up to version {VERSION}")
            }
        }
    }
}

/// True if `head` (the first bytes of a body) looks like a JSON object, i.e. a portable snapshot
/// rather than an SQLite file.
pub fn looks_portable(head: &[u8]) -> bool {
    let start = head.strip_prefix(b"\xEF\xBB\xBF".as_slice()).unwrap_or(head);
    start.iter().find(|b| !b.is_ascii_whitespace()) == Some(&b'{')
}

/// A name the snapshot may use for a table or column: SQL identifiers of our schema only
/// (`[a-z0-9_]`, 1–63 bytes, not starting with a digit), so they can be quoted safely.
pub fn is_identifier(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 63
        && !name.starts_with(|c: char| c.is_ascii_digit())
        && name.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
}

/// Reads a portable snapshot of any known format version.
pub fn decode(bytes: &[u8]) -> Result<Snapshot, DecodeError> {
    #[derive(Deserialize)]
    struct Header {
        format: Option<String>,
        version: Option<i64>,
    }
    let header: Header =
        serde_json::from_slice(bytes).map_err(|e| DecodeError::Malformed(format!("invalid JSON: {e}")))?;
    if header.format.as_deref() != Some(FORMAT) {
        return Err(DecodeError::Malformed(format!("\"format\" must be \"{FORMAT}\"")));
    }
    match header.version {
        Some(1) => decode_v1(bytes),
        Some(v) if v > VERSION => Err(DecodeError::NewerFormat(v)),
        Some(v) => Err(DecodeError::Malformed(format!("unknown format version {v}"))),
        None => Err(DecodeError::Malformed("\"version\" is missing".into())),
    }
}

fn decode_v1(bytes: &[u8]) -> Result<Snapshot, DecodeError> {
    #[derive(Deserialize)]
    #[serde(deny_unknown_fields, rename_all = "camelCase")]
    struct V1 {
        #[allow(dead_code)]
        format: String,
        #[allow(dead_code)]
        version: i64,
        schema: i64,
        created_ms: i64,
        tables: BTreeMap<String, TableV1>,
    }
    #[derive(Deserialize)]
    #[serde(deny_unknown_fields)]
    struct TableV1 {
        columns: Vec<String>,
        rows: Vec<Vec<Cell>>,
    }
    let doc: V1 = serde_json::from_slice(bytes).map_err(|e| DecodeError::Malformed(e.to_string()))?;
    if doc.schema < 1 {
        return Err(DecodeError::Malformed(format!("\"schema\" must be a migration version, not {}", doc.schema)));
    }
    let mut tables = BTreeMap::new();
    for (name, table) in doc.tables {
        if !is_identifier(&name) {
            return Err(DecodeError::Malformed(format!("{name:?} is not a table name")));
        }
        let mut seen = BTreeSet::new();
        for column in &table.columns {
            if !is_identifier(column) || !seen.insert(column.as_str()) {
                return Err(DecodeError::Malformed(format!(
                    "table {name}: {column:?} is not a (distinct) column name"
                )));
            }
        }
        if let Some(i) = table.rows.iter().position(|row| row.len() != table.columns.len()) {
            return Err(DecodeError::Malformed(format!(
                "table {name}: row {i} has {} values for {} columns",
                table.rows[i].len(),
                table.columns.len()
            )));
        }
        tables.insert(name, Table { columns: table.columns, rows: table.rows });
    }
    Ok(Snapshot { schema: doc.schema, created_ms: doc.created_ms, tables })
}

impl<'de> Deserialize<'de> for Cell {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Cell, D::Error> {
        struct CellVisitor;
        impl<'de> Visitor<'de> for CellVisitor {
            type Value = Cell;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an integer, a string, null or {\"base64\": \"…\"}")
            }
            fn visit_unit<E: de::Error>(self) -> Result<Cell, E> {
                Ok(Cell::Null)
            }
            fn visit_none<E: de::Error>(self) -> Result<Cell, E> {
                Ok(Cell::Null)
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Cell, E> {
                Ok(Cell::Int(v))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Cell, E> {
                i64::try_from(v).map(Cell::Int).map_err(|_| E::custom(format!("{v} is larger than a 64-bit integer")))
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<Cell, E> {
                Err(E::custom(format!("{v} is not an integer")))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Cell, E> {
                Ok(Cell::Text(v.to_string()))
            }
            fn visit_string<E: de::Error>(self, v: String) -> Result<Cell, E> {
                Ok(Cell::Text(v))
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Cell, A::Error> {
                let mut bytes = None;
                while let Some(key) = map.next_key::<String>()? {
                    if key != "base64" || bytes.is_some() {
                        return Err(de::Error::custom("bytes are {\"base64\": \"…\"} and nothing else"));
                    }
                    let text: String = map.next_value()?;
                    let decoded = base64::engine::general_purpose::STANDARD
                        .decode(text.as_bytes())
                        .map_err(|e| de::Error::custom(format!("invalid base64: {e}")))?;
                    bytes = Some(decoded);
                }
                bytes.map(Cell::Bytes).ok_or_else(|| de::Error::custom("bytes are {\"base64\": \"…\"}"))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, _: A) -> Result<Cell, A::Error> {
                Err(de::Error::custom("a value cannot be an array"))
            }
            fn visit_bool<E: de::Error>(self, _: bool) -> Result<Cell, E> {
                Err(E::custom("a value cannot be true/false (flags are 0/1)"))
            }
        }
        deserializer.deserialize_any(CellVisitor)
    }
}

/// Writes a version-[`VERSION`] document incrementally, table by table and row by row, so the
/// store never holds the rows and the text at once. Call [`Encoder::table`] in name order, then
/// [`Encoder::row`] for each of its rows, then [`Encoder::finish`].
pub struct Encoder {
    out: Vec<u8>,
    tables: usize,
    rows: usize,
}

impl Encoder {
    pub fn new(schema: i64, created_ms: i64) -> Encoder {
        let out = format!(
            "{{\"format\":\"{FORMAT}\",\"version\":{VERSION},\"schema\":{schema},\"createdMs\":{created_ms},\"tables\":{{"
        )
        .into_bytes();
        Encoder { out, tables: 0, rows: 0 }
    }

    /// Starts a table (closing the previous one).
    pub fn table(&mut self, name: &str, columns: &[String]) {
        if self.tables > 0 {
            self.out.extend_from_slice(b"]},");
        }
        self.tables += 1;
        self.rows = 0;
        self.string(name);
        self.out.extend_from_slice(b":{\"columns\":[");
        for (i, column) in columns.iter().enumerate() {
            if i > 0 {
                self.out.push(b',');
            }
            self.string(column);
        }
        self.out.extend_from_slice(b"],\"rows\":[");
    }

    /// Adds a row to the current table.
    pub fn row(&mut self, cells: &[Cell]) {
        if self.rows > 0 {
            self.out.push(b',');
        }
        self.rows += 1;
        self.out.push(b'[');
        for (i, cell) in cells.iter().enumerate() {
            if i > 0 {
                self.out.push(b',');
            }
            match cell {
                Cell::Null => self.out.extend_from_slice(b"null"),
                Cell::Int(v) => self.out.extend_from_slice(v.to_string().as_bytes()),
                Cell::Text(s) => self.string(s),
                Cell::Bytes(b) => {
                    self.out.extend_from_slice(b"{\"base64\":");
                    self.string(&base64::engine::general_purpose::STANDARD.encode(b));
                    self.out.push(b'}');
                }
            }
        }
        self.out.push(b']');
    }

    /// The document's size so far (bytes).
    pub fn len(&self) -> usize {
        self.out.len()
    }

    /// True before anything but the header is written (never, in practice: kept for clippy).
    pub fn is_empty(&self) -> bool {
        self.out.is_empty()
    }

    /// The finished document.
    pub fn finish(mut self) -> Vec<u8> {
        if self.tables > 0 {
            self.out.extend_from_slice(b"]}");
        }
        self.out.extend_from_slice(b"}}");
        self.out
    }

    fn string(&mut self, text: &str) {
        // Serializing a string into a Vec cannot fail.
        let _ = serde_json::to_writer(&mut self.out, text);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn encode(snapshot: &Snapshot) -> Vec<u8> {
        let mut encoder = Encoder::new(snapshot.schema, snapshot.created_ms);
        for (name, table) in &snapshot.tables {
            encoder.table(name, &table.columns);
            for row in &table.rows {
                encoder.row(row);
            }
        }
        encoder.finish()
    }

    fn sample() -> Snapshot {
        let mut tables = BTreeMap::new();
        tables.insert(
            "image_pipelines".to_string(),
            Table {
                columns: vec!["id".into(), "n".into(), "note".into(), "blob".into()],
                rows: vec![
                    vec![
                        Cell::Text("p-1 \"quoted\" ✓\n".into()),
                        Cell::Int(i64::MIN),
                        Cell::Null,
                        Cell::Bytes(vec![0, 255]),
                    ],
                    vec![Cell::Text(String::new()), Cell::Int(i64::MAX), Cell::Text("x".into()), Cell::Null],
                ],
            },
        );
        tables.insert("tags".to_string(), Table { columns: vec!["k".into()], rows: vec![] });
        Snapshot { schema: 11, created_ms: 1_700_000_000_000, tables }
    }

    #[test]
    fn what_the_encoder_writes_decodes_to_the_same_snapshot() {
        let snapshot = sample();
        let bytes = encode(&snapshot);
        assert!(looks_portable(&bytes));
        assert_eq!(decode(&bytes), Ok(snapshot));
        let empty = Snapshot { schema: 3, created_ms: 0, tables: BTreeMap::new() };
        assert_eq!(decode(&encode(&empty)), Ok(empty));
    }

    /// The version-1 fixture (a real export of a small state) keeps decoding: a change of the
    /// format must bump [`VERSION`] and keep reading version 1.
    #[test]
    fn the_version_1_fixture_decodes() {
        let bytes = include_bytes!("../../tests/fixtures/snapshot-v1.json");
        let snapshot = decode(bytes).expect("version 1 decodes");
        assert_eq!(snapshot.schema, 13);
        let pipelines = &snapshot.tables["image_pipelines"];
        assert_eq!(pipelines.rows.len(), 2, "two templates");
        let id = pipelines.columns.iter().position(|c| c == "id").expect("an id column");
        assert!(matches!(&pipelines.rows[0][id], Cell::Text(id) if id.starts_with("ip-")), "{:?}", pipelines.rows[0]);
        assert!(!snapshot.tables["tags"].rows.is_empty(), "the template's tags");
        assert!(!snapshot.tables["image_shares"].rows.is_empty(), "the image's shares");
        assert!(!snapshot.tables.contains_key("_sqlx_migrations"));
    }

    #[test]
    fn malformed_documents_are_refused_with_the_reason() {
        let refused = |text: &str| match decode(text.as_bytes()) {
            Err(DecodeError::Malformed(why)) => why,
            other => panic!("{text}: {other:?}"),
        };
        let head = r#""format":"ecs-imagebuilder-emulator/snapshot","version":1,"schema":11,"createdMs":0"#;
        assert!(refused("SQLite format 3").contains("invalid JSON"));
        assert!(refused(r#"{"format":"other","version":1}"#).contains("format"));
        assert!(refused(r#"{"format":"ecs-imagebuilder-emulator/snapshot"}"#).contains("version"));
        assert!(refused(r#"{"format":"ecs-imagebuilder-emulator/snapshot","version":0}"#).contains("unknown"));
        assert!(refused(&format!("{{{head}}}")).contains("tables"));
        assert!(refused(&format!("{{{head},\"tables\":{{}},\"extra\":1}}")).contains("extra"));
        let table = |t: &str| refused(&format!("{{{head},\"tables\":{{{t}}}}}"));
        assert!(table(r#""x; DROP":{"columns":[],"rows":[]}"#).contains("table name"));
        assert!(table(r#""t":{"columns":["a","a"],"rows":[]}"#).contains("column name"));
        assert!(table(r#""t":{"columns":["a\""],"rows":[]}"#).contains("column name"));
        assert!(table(r#""t":{"columns":["a"],"rows":[[1,2]]}"#).contains("row 0 has 2 values for 1 columns"));
        assert!(table(r#""t":{"columns":["a"],"rows":[[1.5]]}"#).contains("not an integer"));
        assert!(table(r#""t":{"columns":["a"],"rows":[[true]]}"#).contains("flags are 0/1"));
        assert!(table(r#""t":{"columns":["a"],"rows":[[18446744073709551615]]}"#).contains("64-bit"));
        assert!(table(r#""t":{"columns":["a"],"rows":[[{"hex":"00"}]]}"#).contains("base64"));
        assert!(refused(&format!("{{{},\"tables\":{{}}}}", head.replace("\"schema\":11", "\"schema\":0")))
            .contains("schema"));
    }

    #[test]
    fn a_newer_format_version_is_told_apart() {
        let doc = r#"{"format":"ecs-imagebuilder-emulator/snapshot","version":2,"anything":[]}"#;
        assert_eq!(decode(doc.as_bytes()), Err(DecodeError::NewerFormat(2)));
    }

    #[test]
    fn json_is_told_from_an_sqlite_file() {
        assert!(looks_portable(b"  \n{\"format\""));
        assert!(looks_portable(b"\xEF\xBB\xBF{"));
        assert!(!looks_portable(b"SQLite format 3\0"));
        assert!(!looks_portable(b""));
        assert!(is_identifier("image_pipelines") && !is_identifier("9a") && !is_identifier("A") && !is_identifier(""));
    }
}
