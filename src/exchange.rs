//! One RPC call as the layers around the RPC handler see it. The front door (`rpc::decode`) reads
//! the request into a [`Call`] and puts it in the request's extensions; fault injection
//! (`faults::inject`) may leave an [`Injected`] error there for the handler to answer with; the
//! handler (`rpc::dispatch`) attaches the call and its [`Answer`] to the response, where the edge
//! log line and the journal (`journal::record`) read them. So the handler calls neither the
//! journal nor the fault rules, and none of these modules imports another.

use std::sync::Arc;
use std::time::Instant;

use crate::error::ApiError;
use crate::params::Params;
use crate::product::Product;

/// What is known about a call once its parameters and caller are read.
#[derive(Debug)]
pub struct Call {
    pub request_id: String,
    pub method: String,
    /// The action's name as sent (`Action` parameter or `x-acs-action`), empty when absent.
    pub action: String,
    /// The product its `Version` names (ECS when absent or unknown: error bodies name ECS's host).
    pub product: Product,
    /// The calling account (`rpc::UNAUTHENTICATED` when the call was refused before dispatch).
    pub account: String,
    pub region: String,
    pub params: Params,
    pub started: Instant,
}

/// An error a fault rule chose for this call; the handler answers with it instead of running it.
#[derive(Debug, Clone)]
pub struct Injected(pub ApiError);

/// How the call was answered: on the response, with the [`Call`] it answers.
#[derive(Debug, Clone)]
pub struct Answer {
    pub call: Arc<Call>,
    /// `OK` or the wire error code.
    pub code: String,
    /// The error message the client received (absent on success).
    pub message: Option<String>,
    /// What went wrong inside, for the log only (internal errors).
    pub detail: Option<String>,
}
