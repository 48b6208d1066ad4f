//! The database behind a [`Store`](super::Store) and the SQL that differs between the two: every
//! backend-specific snippet the store needs is a method here, so the rest of `store/` is one SQL
//! for both.

use std::fmt::Write as _;

use sqlx::AnyConnection;

use super::sql::Sql;

/// Which database a store runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// The key of the one advisory lock every PostgreSQL write transaction takes ("IBE" + issue 15).
pub const WRITE_LOCK_KEY: i64 = 0x1BE_0015;

impl Backend {
    /// The backend a `--db` value names: a `postgres://` or `postgresql://` URL is PostgreSQL,
    /// anything else (a file, `:memory:`) SQLite.
    pub fn of(db: &str) -> Backend {
        let lower = db.trim_start().to_ascii_lowercase();
        if lower.starts_with("postgres://") || lower.starts_with("postgresql://") {
            Backend::Postgres
        } else {
            Backend::Sqlite
        }
    }

    /// Serialises this write transaction with every other one on the database, in any process:
    /// on PostgreSQL it takes a transaction-scoped advisory lock (released at commit or rollback,
    /// or when the connection dies); SQLite has one writer already.
    pub(super) async fn lock_writes(self, conn: &mut AnyConnection) -> Result<(), sqlx::Error> {
        if self == Backend::Postgres {
            // The function returns `void`, which the `Any` driver cannot decode: select a constant.
            sqlx::query(&format!("SELECT 1 FROM (SELECT pg_advisory_xact_lock({WRITE_LOCK_KEY})) AS locked"))
                .execute(conn)
                .await?;
        }
        Ok(())
    }
}

impl Backend {
    /// Appends the `n`th (1-based) bind placeholder to `sql`: `$n` on PostgreSQL, which needs the
    /// number; a bare `?` on SQLite, which numbers them in order. For statements with many
    /// parameters only (the engine's multi-row writes): sqlx-sqlite binds a `$n` by looking its
    /// name up among all of the statement's (`sqlite3_bind_parameter_name`), so binding a statement
    /// costs the square of its parameters, while a `?` has no name to look up.
    pub(super) fn push_placeholder(self, sql: &mut String, n: usize) {
        match self {
            Backend::Sqlite => sql.push('?'),
            Backend::Postgres => {
                let _ = write!(sql, "${n}");
            }
        }
    }

    /// The conflict clause of the engine's multi-row writes (`INSERT{or_fail} INTO …`,
    /// `UPDATE{or_fail} …`): ` OR FAIL` on SQLite, nothing on PostgreSQL. SQLite keeps a statement
    /// journal (a copy of every page the statement touches) for a statement that writes several
    /// rows and may abort on a constraint, so that it can undo its own rows; `OR FAIL` keeps the
    /// rows written before the error instead, which is safe where any error drops the whole
    /// transaction (the engine's tick), and needs no journal. PostgreSQL has neither the clause
    /// nor the journal.
    pub(super) fn or_fail(self) -> &'static str {
        match self {
            Backend::Sqlite => " OR FAIL",
            Backend::Postgres => "",
        }
    }

    /// Every table of the store's schema, by name, each with 1 if it has an `account` column
    /// (else 0): what `reset` deletes.
    pub(super) fn tables_sql(self) -> &'static str {
        match self {
            Backend::Sqlite => {
                "SELECT m.name, EXISTS (SELECT 1 FROM pragma_table_info(m.name) AS c WHERE c.name = 'account') \
                 FROM sqlite_master AS m WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%' ORDER BY m.name"
            }
            Backend::Postgres => {
                "SELECT t.table_name::text, CASE WHEN EXISTS (SELECT 1 FROM information_schema.columns AS c \
                 WHERE c.table_schema = t.table_schema AND c.table_name = t.table_name AND c.column_name = 'account') \
                 THEN 1::bigint ELSE 0::bigint END \
                 FROM information_schema.tables AS t WHERE t.table_schema = current_schema() \
                 AND t.table_type = 'BASE TABLE' ORDER BY 1"
            }
        }
    }
}

impl Backend {
    /// The tenant scope's column in a listing filtered by tags: on SQLite written `+alias.column`
    /// so that the planner does not walk the tenant's index but drives the query from the tag
    /// index (`tags::push_filters`); PostgreSQL's planner chooses by statistics (and has no unary
    /// `+` on text).
    pub(super) fn tenant_column_for_tags(self, alias: &str, column: &str) -> String {
        match self {
            Backend::Sqlite => format!("+{alias}.{column}"),
            Backend::Postgres => format!("{alias}.{column}"),
        }
    }

    /// The function giving the 1-based position of a substring (0 when absent), called
    /// `name(text, part)`.
    pub(super) fn position_fn(self) -> &'static str {
        match self {
            Backend::Sqlite => "instr",
            Backend::Postgres => "strpos",
        }
    }

    /// The text value of the top-level `key` of the JSON object stored in `column` (NULL when
    /// absent or JSON null).
    pub(super) fn json_text(self, column: &str, key: &str) -> String {
        match self {
            Backend::Sqlite => format!("json_extract({column}, '$.{key}')"),
            Backend::Postgres => format!("({column}::jsonb ->> '{key}')"),
        }
    }

    /// A select-list expression: the tags of the row whose ID is `id_column`, in their order, as
    /// a JSON array of `[key, value]` pairs (`[]` when it has none).
    pub(super) fn push_tags_json(self, qb: &mut Sql<'_>, resource_type: &'static str, id_column: &str) {
        match self {
            Backend::Sqlite => qb
                .push("(SELECT json_group_array(json_array(t.key, t.value)) FROM (SELECT key, value FROM tags t WHERE t.resource_type = ")
                .push_bind(resource_type)
                .push(format!(" AND t.resource_id = {id_column} ORDER BY position) t)")),
            Backend::Postgres => qb
                .push("(SELECT COALESCE(json_agg(json_build_array(t.key, t.value) ORDER BY t.position)::text, '[]') FROM tags t WHERE t.resource_type = ")
                .push_bind(resource_type)
                .push(format!(" AND t.resource_id = {id_column})")),
        };
    }
}

/// `db` as shown to people (logs, `/_emulator/health`): a URL without its password.
pub fn display_db(db: &str) -> String {
    if Backend::of(db) == Backend::Sqlite {
        return db.to_string();
    }
    let Some((scheme, rest)) = db.split_once("://") else { return db.to_string() };
    let authority_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let (authority, tail) = rest.split_at(authority_end);
    match authority.rsplit_once('@') {
        Some((userinfo, host)) => match userinfo.split_once(':') {
            Some((user, _password)) => format!("{scheme}://{user}:***@{host}{tail}"),
            None => db.to_string(),
        },
        None => db.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::{display_db, Backend};

    #[test]
    fn the_backend_follows_the_url_scheme() {
        assert_eq!(Backend::of("postgres://u@h/db"), Backend::Postgres);
        assert_eq!(Backend::of("postgresql://u@h/db"), Backend::Postgres);
        assert_eq!(Backend::of("PostgreSQL://u@h/db"), Backend::Postgres);
        assert_eq!(Backend::of("./emulator.db"), Backend::Sqlite);
        assert_eq!(Backend::of(":memory:"), Backend::Sqlite);
        assert_eq!(Backend::of("/tmp/postgres://x"), Backend::Sqlite);
    }

    #[test]
    fn shown_urls_hide_the_password() {
        assert_eq!(
            display_db("postgres://ibe:s3cr:et@db:5432/ibe?sslmode=disable"),
            "postgres://ibe:***@db:5432/ibe?sslmode=disable"
        );
        assert_eq!(display_db("postgresql://ibe:pw@db"), "postgresql://ibe:***@db");
        assert_eq!(
            display_db("postgres://postgres@127.0.0.1:5432/postgres"),
            "postgres://postgres@127.0.0.1:5432/postgres"
        );
        assert_eq!(
            display_db("postgres://h/db?options=-c%20search_path%3Dt_1"),
            "postgres://h/db?options=-c%20search_path%3Dt_1"
        );
        assert_eq!(display_db("./a:b@c.db"), "./a:b@c.db", "a file name is shown as is");
    }
}
