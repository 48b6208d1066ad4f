//! The one query builder the store uses for SQL assembled at run time (filters, `IN (…)` lists).
//! sqlx's `QueryBuilder<Any>` writes `?` placeholders, which PostgreSQL rejects; this one writes
//! numbered `$1, $2, …` (which SQLite accepts too, through sqlx) and collects the values in
//! `AnyArguments`. Push text with [`Sql::push`], a value with [`Sql::push_bind`], then take the
//! query with [`Sql::query_as`] (an error if a value could not be encoded). [`Batch`]: several
//! statements as one unit, one text on SQLite.

use std::fmt::Display;

use sqlx::any::AnyArguments;
use sqlx::query::{Query, QueryAs};
use sqlx::{Any, AnyConnection, Arguments, Encode, FromRow, Type};

use super::Backend;

/// SQL text and the values bound to its `$N` placeholders.
pub(super) struct Sql<'a> {
    text: String,
    args: AnyArguments<'a>,
    /// The first value that failed to encode (reported when the query is taken).
    error: Option<sqlx::error::BoxDynError>,
}

impl<'a> Sql<'a> {
    /// Starts with `text` (no values).
    pub(super) fn new(text: impl Into<String>) -> Sql<'a> {
        Sql { text: text.into(), args: AnyArguments::default(), error: None }
    }

    /// Appends SQL text as is (never a value: those go through [`Sql::push_bind`]).
    pub(super) fn push(&mut self, text: impl Display) -> &mut Self {
        use std::fmt::Write;
        let _ = write!(self.text, "{text}");
        self
    }

    /// Binds `value` and appends its placeholder `$N`.
    pub(super) fn push_bind<T>(&mut self, value: T) -> &mut Self
    where
        T: 'a + Encode<'a, Any> + Type<Any>,
    {
        if let Err(err) = self.args.add(value) {
            self.error.get_or_insert(err);
        }
        let n = self.args.len();
        self.push(format_args!("${n}"))
    }

    /// Binds each of `values`, writing their placeholders separated by `, ` (nothing if empty).
    pub(super) fn push_bind_list<T, I>(&mut self, values: I) -> &mut Self
    where
        I: IntoIterator<Item = T>,
        T: 'a + Encode<'a, Any> + Type<Any>,
    {
        for (i, value) in values.into_iter().enumerate() {
            if i > 0 {
                self.push(", ");
            }
            self.push_bind(value);
        }
        self
    }

    fn take(&mut self) -> Result<AnyArguments<'a>, sqlx::Error> {
        match self.error.take() {
            Some(err) => Err(sqlx::Error::Encode(err)),
            None => Ok(std::mem::take(&mut self.args)),
        }
    }

    /// The statement, for `execute` (values taken: call once).
    pub(super) fn query(&mut self) -> Result<Query<'_, Any, AnyArguments<'_>>, sqlx::Error> {
        let args = self.take()?;
        Ok(sqlx::query_with(&self.text, args))
    }

    /// The statement mapping each row to `O`, with its values (taken: call once).
    pub(super) fn query_as<O>(&mut self) -> Result<QueryAs<'_, Any, O, AnyArguments<'_>>, sqlx::Error>
    where
        O: for<'r> FromRow<'r, sqlx::any::AnyRow>,
    {
        let args = self.take()?;
        Ok(sqlx::query_as_with(&self.text, args))
    }
}

/// Appends `($N, $N+1, …)` to a [`Sql`], binding each value in turn: `push_values!(qb, a, b, c)`.
macro_rules! push_values {
    ($qb:expr, $first:expr $(, $rest:expr)* $(,)?) => {{
        let qb: &mut $crate::store::sql::Sql<'_> = $qb;
        qb.push("(").push_bind($first);
        $(qb.push(", ").push_bind($rest);)*
        qb.push(")")
    }};
}
pub(super) use push_values;

/// Statements that run in order as one unit of a request's work: on SQLite one text (one round
/// trip to the connection; sqlx runs its statements in turn, binding `$N` across all of them),
/// on PostgreSQL, which prepares one statement at a time, one after another.
pub(super) struct Batch<'a> {
    backend: Backend,
    /// Statements already written, on PostgreSQL.
    done: Vec<Sql<'a>>,
    /// The statement being written (on SQLite, the whole text).
    current: Sql<'a>,
    begun: bool,
}

impl<'a> Batch<'a> {
    /// A batch whose text starts with `opening` (`WriteTx::opening`: empty but on SQLite).
    pub(super) fn new(backend: Backend, opening: &str) -> Batch<'a> {
        Batch { backend, done: Vec::new(), current: Sql::new(opening), begun: false }
    }

    /// Starts the next statement: write it into the builder returned.
    pub(super) fn next(&mut self) -> &mut Sql<'a> {
        if std::mem::replace(&mut self.begun, true) {
            match self.backend {
                Backend::Sqlite => {
                    self.current.push("; ");
                }
                Backend::Postgres => self.done.push(std::mem::replace(&mut self.current, Sql::new(""))),
            }
        }
        &mut self.current
    }

    /// Runs the statements, in order (the opening alone if no statement was written: it was
    /// taken from the request's lease, which now counts its savepoint as open).
    pub(super) async fn execute(self, conn: &mut AnyConnection) -> Result<(), sqlx::Error> {
        for mut statement in self.done.into_iter().chain([self.current]) {
            if !statement.text.is_empty() {
                statement.query()?.execute(&mut *conn).await?;
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::{Batch, Sql};
    use crate::store::Backend;

    #[test]
    fn placeholders_are_numbered_in_push_order() {
        let mut sql = Sql::new("SELECT x FROM t WHERE a = ");
        sql.push_bind("a")
            .push(" AND b IN (")
            .push_bind_list(vec![1i64, 2, 3])
            .push(") AND c = ")
            .push_bind(None::<String>);
        assert_eq!(sql.text, "SELECT x FROM t WHERE a = $1 AND b IN ($2, $3, $4) AND c = $5");
        assert_eq!(sqlx::Arguments::len(&sql.args), 5);
        let mut row = Sql::new("VALUES ");
        super::push_values!(&mut row, "a", 2i64, None::<String>);
        assert_eq!(row.text, "VALUES ($1, $2, $3)");
    }

    fn texts(batch: &Batch<'_>) -> Vec<String> {
        batch.done.iter().chain([&batch.current]).map(|s| s.text.clone()).collect()
    }

    #[test]
    fn a_batch_is_one_text_on_sqlite_and_one_statement_each_on_postgresql() {
        let write = |batch: &mut Batch<'_>| {
            batch.next().push("INSERT INTO a VALUES (").push_bind(1i64).push(")");
            batch.next().push("INSERT INTO b VALUES (").push_bind(2i64).push(", ").push_bind(3i64).push(")");
        };
        let mut sqlite = Batch::new(Backend::Sqlite, "SAVEPOINT request; ");
        write(&mut sqlite);
        assert_eq!(texts(&sqlite), ["SAVEPOINT request; INSERT INTO a VALUES ($1); INSERT INTO b VALUES ($2, $3)"]);
        let mut postgres = Batch::new(Backend::Postgres, "");
        write(&mut postgres);
        assert_eq!(texts(&postgres), ["INSERT INTO a VALUES ($1)", "INSERT INTO b VALUES ($1, $2)"]);
    }
}
