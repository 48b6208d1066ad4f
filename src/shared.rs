//! The control state every replica on one database shares (issue 15): the manual clock's time, the
//! fault rules, the request journal and what a full reset clears. [`Shared`] is chosen once at
//! start from the store's backend, and is the one place that branches on it:
//!
//! - one process (SQLite): the journal and the fault rules stay in memory ([`Journal`], [`Faults`])
//!   and the manual clock is this process's own (persisted for restarts), exactly as before;
//! - replicas (PostgreSQL): they live in the database (`store::shared`, migration 0014). Before
//!   every request (the [`refresh`] layer) and every engine tick a replica reads the one
//!   `control_state` row: it catches its clock up with the shared time (which only moves forward), and reloads the fault rules when their
//!   version moved. A fault rule that may match a call is checked and counted in a write
//!   transaction (so `nth` and `count` hold across replicas); each answered call is written to the
//!   journal table before its response leaves (group commit batches them).
//!
//! The layers around the RPC handler that use it live here too: [`record`] (journal) and
//! [`inject`] (faults).

use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::Response;

use crate::clock::{Clock, ManualClock, MANUAL_CLOCK_KEY};
use crate::domain::limits::{JOURNAL_MAX_ENTRIES, JOURNAL_MAX_PAGE};
use crate::domain::time::format_ms;
use crate::exchange::{Answer, Call, Injected};
use crate::faults::{FaultRule, FaultSpec, Faults, Injection};
use crate::journal::{self, bounded_copy, Entry, Journal};
use crate::store::shared::{FaultRow, JournalInsert, JournalQuery};
use crate::store::Store;

/// How often a replica's scheduler looks for due steps when nothing woke it: another replica's
/// Start cannot wake it.
const REPLICA_POLL: Duration = Duration::from_millis(200);

/// Where the shared control state lives.
pub struct Shared {
    store: Store,
    faults: Arc<Faults>,
    journal: Arc<Journal>,
    manual: Option<ManualClock>,
    /// On a database shared by replicas: the fault rules' version last loaded.
    database: Option<AtomicI64>,
}

/// A fault rule that could not be added: refused as posted, or the database failed.
#[derive(Debug)]
pub enum AddFaultError {
    Invalid(String),
    Store(sqlx::Error),
}

impl From<sqlx::Error> for AddFaultError {
    fn from(err: sqlx::Error) -> Self {
        AddFaultError::Store(err)
    }
}

fn decode_rule(row: FaultRow) -> Option<FaultRule> {
    let spec: FaultSpec = serde_json::from_str(&row.spec).ok()?;
    Some(FaultRule {
        id: row.id,
        spec,
        created_ms: row.created_ms,
        matched: u64::try_from(row.matched).unwrap_or(0),
        fired: u64::try_from(row.fired).unwrap_or(0),
    })
}

fn count(n: u64) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

impl Shared {
    /// `replicated`: the store is a database several replicas may share (PostgreSQL).
    pub fn new(
        store: Store,
        faults: Arc<Faults>,
        journal: Arc<Journal>,
        manual: Option<ManualClock>,
        replicated: bool,
    ) -> Shared {
        let database = replicated.then(|| AtomicI64::new(i64::MIN));
        Shared { store, faults, journal, manual, database }
    }

    /// True when the control state lives in the database (replicas).
    pub fn is_replicated(&self) -> bool {
        self.database.is_some()
    }

    /// The scheduler's longest sleep when nothing wakes it, if shorter than its own.
    pub fn poll_period(&self) -> Option<Duration> {
        self.database.as_ref().map(|_| REPLICA_POLL)
    }

    /// At start: on a shared database, makes sure the control row exists (a manual clock's start
    /// time becomes the shared time if that is behind), catches up with it and loads the fault rules.
    pub async fn start(&self) -> Result<(), sqlx::Error> {
        if self.database.is_none() {
            return Ok(());
        }
        let row = self.store.control_init(self.manual.as_ref().map(ManualClock::now_ms)).await?;
        if let (Some(manual), Some(ms)) = (&self.manual, row.clock_ms) {
            manual.catch_up(ms);
        }
        self.reload_faults(row.faults_version).await
    }

    /// On a shared database: adopts the shared clock time and reloads the fault rules if another
    /// replica changed them. Nothing on SQLite.
    pub async fn refresh(&self) -> Result<(), sqlx::Error> {
        let Some(version) = &self.database else { return Ok(()) };
        let row = self.store.control_row().await?;
        if let (Some(manual), Some(ms)) = (&self.manual, row.clock_ms) {
            manual.catch_up(ms);
        }
        if row.faults_version != version.load(Ordering::SeqCst) {
            self.reload_faults(row.faults_version).await?;
        }
        Ok(())
    }

    async fn reload_faults(&self, version: i64) -> Result<(), sqlx::Error> {
        let rules = self.store.fault_rows().await?.into_iter().filter_map(decode_rule).collect();
        self.faults.replace(rules);
        if let Some(loaded) = &self.database {
            loaded.store(version, Ordering::SeqCst);
        }
        Ok(())
    }

    /// Moves the manual clock forward by `ms` (the caller checked the bounds) and returns the new
    /// time; `None` if the clock is not manual.
    pub async fn advance_clock(&self, ms: i64) -> Result<Option<i64>, sqlx::Error> {
        let Some(manual) = &self.manual else { return Ok(None) };
        if self.database.is_some() {
            if let Some(now) = self.store.clock_advance(manual.now_ms(), ms).await? {
                manual.catch_up(now);
            }
            return Ok(Some(manual.now_ms()));
        }
        let now = manual.advance(ms);
        self.store.state_set(MANUAL_CLOCK_KEY, &now.to_string()).await?;
        Ok(Some(now))
    }

    /// Validates and adds a fault rule.
    pub async fn add_fault(&self, spec: FaultSpec, now_ms: i64) -> Result<FaultRule, AddFaultError> {
        if self.database.is_none() {
            return self.faults.add(spec, now_ms).map_err(AddFaultError::Invalid);
        }
        Faults::validate(&spec).map_err(AddFaultError::Invalid)?;
        let text = serde_json::to_string(&spec).map_err(|e| AddFaultError::Invalid(e.to_string()))?;
        let mut tx = self.store.write().await?;
        if tx.fault_rows().await?.len() >= crate::domain::limits::MAX_FAULT_RULES {
            return Err(AddFaultError::Invalid(format!(
                "{} fault rules exist, the most the emulator keeps; delete some first",
                crate::domain::limits::MAX_FAULT_RULES
            )));
        }
        let id = format!("fault-{}", tx.next_fault_number().await?);
        let row = FaultRow { id: id.clone(), spec: text, created_ms: now_ms, matched: 0, fired: 0 };
        tx.insert_fault(&row).await?;
        tx.bump_faults_version().await?;
        tx.commit().await?;
        self.refresh().await?;
        Ok(FaultRule { id, spec, created_ms: now_ms, matched: 0, fired: 0 })
    }

    /// Every fault rule with its counters.
    pub async fn faults(&self) -> Result<Vec<FaultRule>, sqlx::Error> {
        if self.database.is_none() {
            return Ok(self.faults.list());
        }
        Ok(self.store.fault_rows().await?.into_iter().filter_map(decode_rule).collect())
    }

    /// Deletes one fault rule (`Some(id)`) or all; true if something was deleted.
    pub async fn delete_faults(&self, id: Option<&str>) -> Result<bool, sqlx::Error> {
        if self.database.is_none() {
            return Ok(match id {
                Some(id) => self.faults.remove(id),
                None => {
                    self.faults.clear();
                    true
                }
            });
        }
        let mut tx = self.store.write().await?;
        let gone = tx.delete_faults(id).await?;
        tx.bump_faults_version().await?;
        tx.commit().await?;
        self.refresh().await?;
        Ok(gone > 0 || id.is_none())
    }

    /// What the fault rules do to this call. On a shared database a rule that may match is
    /// checked and counted in one write transaction; a database error injects nothing.
    pub async fn check_fault(&self, action: &str, account: &str, region: &str, now_ms: i64) -> Injection {
        if self.database.is_none() {
            return self.faults.check(action, account, region, now_ms);
        }
        if !self.faults.may_match(action, account, region) {
            return Injection::default();
        }
        match self.check_shared(action, account, region, now_ms).await {
            Ok(injection) => injection,
            Err(err) => {
                tracing::warn!(error = %err, "fault rules could not be checked");
                Injection::default()
            }
        }
    }

    async fn check_shared(
        &self,
        action: &str,
        account: &str,
        region: &str,
        now_ms: i64,
    ) -> Result<Injection, sqlx::Error> {
        let mut tx = self.store.write().await?;
        let mut rules: Vec<FaultRule> = tx.fault_rows().await?.into_iter().filter_map(decode_rule).collect();
        let before: Vec<(u64, u64)> = rules.iter().map(|r| (r.matched, r.fired)).collect();
        let injection = self.faults.check_in(&mut rules, action, account, region, now_ms);
        for (rule, (matched, fired)) in rules.iter().zip(before) {
            if (rule.matched, rule.fired) != (matched, fired) {
                tx.fault_counters(&rule.id, count(rule.matched), count(rule.fired)).await?;
            }
        }
        tx.commit().await?;
        Ok(injection)
    }

    /// Keeps an answered call in the journal (secrets removed, sizes bounded).
    pub async fn record(&self, mut entry: Entry) {
        if self.database.is_none() {
            self.journal.record(entry);
            return;
        }
        journal::bound(&mut entry);
        let row = match serde_json::to_string(&entry) {
            // The JSON escapes control characters; the filter columns get no NUL (PostgreSQL text
            // refuses it), so a call with one in its action is journalled too.
            Ok(text) => JournalInsert {
                entry: text,
                action: no_nul(&entry.action),
                account: no_nul(&entry.account),
                region: no_nul(&entry.region),
                code: no_nul(&entry.code),
                status: i64::from(entry.status),
                request_id: no_nul(&entry.request_id),
            },
            Err(err) => {
                tracing::warn!(error = %err, "a journal entry could not be encoded");
                return;
            }
        };
        if let Err(err) = self.store.journal_insert(&row, i64::try_from(JOURNAL_MAX_ENTRIES).unwrap_or(i64::MAX)).await
        {
            tracing::warn!(error = %err, "a journal entry could not be stored");
        }
    }

    /// Matching journal entries, oldest first (see [`journal::Filter`]).
    pub async fn requests(&self, filter: &journal::Filter) -> Result<Vec<Entry>, sqlx::Error> {
        if self.database.is_none() {
            return Ok(self.journal.list(filter));
        }
        let limit = filter.limit.unwrap_or(100).min(JOURNAL_MAX_PAGE);
        let query = JournalQuery {
            action: filter.action.as_deref(),
            account: filter.account.as_deref(),
            region: filter.region.as_deref(),
            code: filter.code.as_deref(),
            status: filter.status.map(i64::from),
            errors_only: filter.errors.unwrap_or(false),
            before: filter.before.map(|b| i64::try_from(b).unwrap_or(i64::MAX)),
            limit: i64::try_from(limit).unwrap_or(i64::MAX),
        };
        let mut entries: Vec<Entry> =
            self.store.journal_list(&query).await?.into_iter().filter_map(|(seq, text)| with_seq(seq, &text)).collect();
        entries.reverse();
        Ok(entries)
    }

    /// The newest journal entry of a RequestId.
    pub async fn request(&self, request_id: &str) -> Result<Option<Entry>, sqlx::Error> {
        if self.database.is_none() {
            let all = journal::Filter { limit: Some(usize::MAX), ..journal::Filter::default() };
            return Ok(self.journal.list(&all).into_iter().rev().find(|e| e.request_id == request_id));
        }
        Ok(self.store.journal_by_request(request_id).await?.and_then(|(seq, text)| with_seq(seq, &text)))
    }

    /// Forgets every journal entry; returns how many.
    pub async fn clear_requests(&self) -> Result<u64, sqlx::Error> {
        if self.database.is_none() {
            return Ok(u64::try_from(self.journal.clear()).unwrap_or(u64::MAX));
        }
        self.store.journal_clear().await
    }

    /// After a full reset of the resources: the journal and the fault rules go too.
    pub async fn after_reset(&self) -> Result<(), sqlx::Error> {
        self.clear_requests().await?;
        self.delete_faults(None).await?;
        Ok(())
    }
}

/// `value` with each NUL replaced by U+FFFD.
fn no_nul(value: &str) -> String {
    value.replace('\0', "\u{FFFD}")
}

fn with_seq(seq: i64, text: &str) -> Option<Entry> {
    let mut entry: Entry = serde_json::from_str(text).ok()?;
    entry.seq = u64::try_from(seq).unwrap_or(0);
    Some(entry)
}

/// The outermost layer of every route: on a shared database, adopt the shared clock and fault
/// rules before the request is handled (a database error is logged; the request goes on and meets
/// it again if it needs the database).
pub async fn refresh(State(shared): State<Arc<Shared>>, request: Request, next: Next) -> Response {
    if let Err(err) = shared.refresh().await {
        tracing::warn!(error = %err, "shared control state could not be read");
    }
    next.run(request).await
}

/// What the journal and fault layers need: the shared state and the emulator clock.
#[derive(Clone)]
pub struct Layers {
    pub shared: Arc<Shared>,
    pub clock: Arc<dyn Clock>,
}

/// The outermost layer of `/`: records every answered call (refused ones too) after its response
/// is made, from the [`Answer`] the RPC handler attached to it.
pub async fn record(State(layers): State<Layers>, request: Request, next: Next) -> Response {
    let response = next.run(request).await;
    if let Some(answer) = response.extensions().get::<Answer>() {
        let call = &answer.call;
        let at_ms = layers.clock.now_ms();
        layers
            .shared
            .record(Entry {
                seq: 0,
                request_id: call.request_id.clone(),
                time: format_ms(at_ms),
                at_ms,
                method: call.method.clone(),
                action: call.action.clone(),
                account: call.account.clone(),
                region: call.region.clone(),
                params: call.params.iter().map(|(k, v)| (bounded_copy(k), bounded_copy(v))).collect(),
                code: answer.code.clone(),
                message: answer.message.clone(),
                status: response.status().as_u16(),
                latency_ms: call.started.elapsed().as_secs_f64() * 1000.0,
            })
            .await;
    }
    response
}

/// The layer around the RPC handler: a call that meets a firing rule waits its latency, and is
/// answered with the rule's error instead of being run (the handler sees [`Injected`]). Calls
/// refused before dispatch carry no [`Call`] and meet no rule.
pub async fn inject(State(layers): State<Layers>, mut request: Request, next: Next) -> Response {
    if let Some(call) = request.extensions().get::<Arc<Call>>().cloned() {
        let injection =
            layers.shared.check_fault(&call.action, &call.account, &call.region, layers.clock.now_ms()).await;
        if injection.latency_ms > 0 {
            tokio::time::sleep(Duration::from_millis(injection.latency_ms)).await;
        }
        if let Some(err) = injection.error {
            request.extensions_mut().insert(Injected(err));
        }
    }
    next.run(request).await
}
