//! A build's phases for the console's timeline drawing: the bands already run (from the recorded
//! events) and the bands still planned (from the remaining steps of the plan and their durations).
//! Pure: no I/O.

use serde::Serialize;

use crate::domain::build::Execution;
use crate::store::executions::Event;

/// One phase band: a run of consecutive steps with the same status.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Phase {
    pub phase: String,
    pub start_ms: i64,
    /// `None` while the phase is still going on.
    pub end_ms: Option<i64>,
    pub steps: usize,
}

/// The bands of a build, done and planned.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Timeline {
    pub phases: Vec<Phase>,
    pub planned: Vec<Phase>,
    /// When the build ended (its terminal event), if it has.
    pub end_ms: Option<i64>,
    /// When the plan says it will end, while it runs (not while held).
    pub expected_end_ms: Option<i64>,
}

fn is_terminal(status: &str) -> bool {
    crate::domain::execution::Status::parse(status).is_some_and(|s| s.is_terminal())
}

/// Appends a step of `status` at `at_ms` to `bands`: it extends the last band or closes it and
/// opens a new one.
fn push_step(bands: &mut Vec<Phase>, status: &str, at_ms: i64) {
    match bands.last_mut() {
        Some(last) if last.phase == status && last.end_ms.is_none() => last.steps += 1,
        last => {
            if let Some(last) = last {
                last.end_ms.get_or_insert(at_ms);
            }
            bands.push(Phase { phase: status.to_string(), start_ms: at_ms, end_ms: None, steps: 1 });
        }
    }
}

impl Timeline {
    pub fn of(execution: &Execution, events: &[Event], now_ms: i64) -> Timeline {
        let mut phases: Vec<Phase> = Vec::new();
        let mut end_ms = None;
        for event in events {
            if is_terminal(&event.status) {
                if let Some(last) = phases.last_mut() {
                    last.end_ms.get_or_insert(event.at_ms);
                }
                end_ms = Some(event.at_ms);
            } else {
                push_step(&mut phases, &event.status, event.at_ms);
            }
        }
        if execution.status.is_terminal() && end_ms.is_none() {
            end_ms = Some(execution.modified_ms);
            if let Some(last) = phases.last_mut() {
                last.end_ms.get_or_insert(execution.modified_ms);
            }
        }
        let mut planned: Vec<Phase> = Vec::new();
        let mut expected_end_ms = None;
        let running = !execution.status.is_terminal() && !execution.runtime.held;
        if let (true, Some(mut due)) = (running, execution.next_due_ms) {
            let current = phases.last().map(|p| p.phase.clone());
            for step in execution.plan.iter().skip(execution.cursor) {
                let status = step.status.as_str();
                if step.status.is_terminal() {
                    if let Some(last) = planned.last_mut() {
                        last.end_ms.get_or_insert(due);
                    }
                    expected_end_ms = Some(due);
                    break;
                }
                // The rest of the phase going on now is drawn from now.
                let at = if planned.is_empty() && current.as_deref() == Some(status) { now_ms.min(due) } else { due };
                push_step(&mut planned, status, at);
                due += step.duration_ms;
            }
        }
        Timeline { phases, planned, end_ms, expected_end_ms }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::build::{Effect, Runtime, Step};
    use crate::domain::execution::Status;

    fn event(at_ms: i64, status: &str) -> Event {
        Event { at_ms, status: status.into(), message: String::new() }
    }

    fn step(status: Status, duration_ms: i64) -> Step {
        Step { status, duration_ms, message: String::new(), effect: Effect::Note }
    }

    fn execution(status: Status, cursor: usize, next_due_ms: Option<i64>, plan: Vec<Step>) -> Execution {
        Execution {
            id: "exec-1".into(),
            account: "1".into(),
            region: "cn-hangzhou".into(),
            pipeline_id: "ip-1".into(),
            status,
            message: String::new(),
            image_id: None,
            error_code: None,
            error_info: None,
            resource_group_id: None,
            created_ms: 0,
            modified_ms: 0,
            next_due_ms,
            cursor,
            plan,
            plan_changed: false,
            runtime: Runtime::default(),
        }
    }

    #[test]
    fn finished_builds_have_closed_bands_and_no_plan() {
        let events = [
            event(0, "PREPARING"),
            event(10, "PREPARING"),
            event(20, "BUILDING"),
            event(30, "RELEASING"),
            event(40, "SUCCESS"),
        ];
        let t = Timeline::of(&execution(Status::Success, 5, None, vec![]), &events, 99);
        let bands: Vec<(&str, i64, Option<i64>, usize)> =
            t.phases.iter().map(|p| (p.phase.as_str(), p.start_ms, p.end_ms, p.steps)).collect();
        assert_eq!(
            bands,
            vec![("PREPARING", 0, Some(20), 2), ("BUILDING", 20, Some(30), 1), ("RELEASING", 30, Some(40), 1)]
        );
        assert_eq!((t.end_ms, t.expected_end_ms), (Some(40), None));
        assert!(t.planned.is_empty());
    }

    #[test]
    fn running_builds_plan_the_rest_from_now() {
        let plan = vec![
            step(Status::Preparing, 10),
            step(Status::Building, 10),
            step(Status::Building, 10),
            step(Status::Releasing, 10),
            step(Status::Success, 0),
        ];
        let events = [event(0, "PREPARING"), event(10, "BUILDING")];
        let t = Timeline::of(&execution(Status::Building, 2, Some(20), plan), &events, 15);
        assert_eq!(t.phases.last().map(|p| p.end_ms), Some(None), "the current phase is open");
        let planned: Vec<(&str, i64, Option<i64>)> =
            t.planned.iter().map(|p| (p.phase.as_str(), p.start_ms, p.end_ms)).collect();
        assert_eq!(planned, vec![("BUILDING", 15, Some(30)), ("RELEASING", 30, Some(40))]);
        assert_eq!(t.expected_end_ms, Some(40));
    }
}
