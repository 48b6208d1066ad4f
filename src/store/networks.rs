//! SQL for VPCs and vSwitches (VPC API 2016-04-28): create (with ClientToken and, for vSwitches,
//! the CIDR rules checked against the siblings inside the write transaction), list and read one
//! tenant's networks, and delete with the dependency checks (a VPC's vSwitches; a template or a
//! running build using a vSwitch).

use sqlx::SqliteConnection;

use super::idempotency::{self, TokenClaim};
use super::Store;
use crate::domain::execution::TERMINAL_SQL;
use crate::domain::network::{self, Cidr, CidrRequest, VSwitch, Vpc};
use crate::error::{ApiError, ApiResult, Code};

type VpcTuple = (
    String,
    String,
    String,
    Option<String>,
    Option<String>,
    String,
    Option<String>,
    String,
    String,
    i64,
    Option<String>,
);
type VSwitchTuple =
    (String, String, String, String, String, Option<String>, Option<String>, String, Option<String>, i64);

const VPC_COLUMNS: &str =
    "id, account, region, name, description, cidr_block, resource_group_id, vrouter_id, route_table_id, created_ms, \
     ipv6_cidr_block";
const VSWITCH_COLUMNS: &str =
    "id, account, region, vpc_id, zone_id, name, description, cidr_block, resource_group_id, created_ms";

fn vpc_from(t: VpcTuple) -> Vpc {
    Vpc {
        id: t.0,
        account: t.1,
        region: t.2,
        name: t.3,
        description: t.4,
        cidr_block: t.5,
        resource_group_id: t.6,
        vrouter_id: t.7,
        route_table_id: t.8,
        created_ms: t.9,
        ipv6_cidr_block: t.10,
    }
}

fn vswitch_from(t: VSwitchTuple) -> VSwitch {
    VSwitch {
        id: t.0,
        account: t.1,
        region: t.2,
        vpc_id: t.3,
        zone_id: t.4,
        name: t.5,
        description: t.6,
        cidr_block: t.7,
        resource_group_id: t.8,
        created_ms: t.9,
    }
}

/// `400 IncorrectVpcStatus` / `400 IncorrectVSwitchStatus` while a network is still `Pending`.
fn still_pending(code: Code, id: &str) -> ApiError {
    ApiError::with_message(code, format!("\"{id}\" is Pending; only an Available resource can be deleted."))
}

pub fn vpc_not_found(id: &str) -> ApiError {
    ApiError::with_message(Code::InvalidVpcIdNotFound, format!("Specified VPC \"{id}\" does not exist."))
}

/// The two kinds of network a delete checks the same way.
#[derive(Clone, Copy)]
enum Network {
    Vpc,
    VSwitch,
}

/// Inside a delete's transaction: the tenant's network `(account, region, id)` exists (else its
/// not-found error) and is `Available` (else `IncorrectVpcStatus` / `IncorrectVSwitchStatus`).
async fn check_deletable(
    tx: &mut SqliteConnection,
    kind: Network,
    (account, region, id): (&str, &str, &str),
    now_ms: i64,
    pending_ms: i64,
) -> ApiResult<()> {
    let (table, not_found, pending_code): (_, fn(&str) -> ApiError, _) = match kind {
        Network::Vpc => ("vpcs", vpc_not_found, Code::IncorrectVpcStatus),
        Network::VSwitch => ("vswitches", vswitch_not_found, Code::IncorrectVSwitchStatus),
    };
    let row: Option<(i64,)> =
        sqlx::query_as(&format!("SELECT created_ms FROM {table} WHERE id = ? AND account = ? AND region = ?"))
            .bind(id)
            .bind(account)
            .bind(region)
            .fetch_optional(&mut *tx)
            .await?;
    let Some((created_ms,)) = row else { return Err(not_found(id)) };
    if network::status(created_ms, now_ms, pending_ms) != "Available" {
        return Err(still_pending(pending_code, id));
    }
    Ok(())
}

pub fn vswitch_not_found(id: &str) -> ApiError {
    ApiError::with_message(Code::InvalidVSwitchIdNotFound, format!("Specified virtual switch \"{id}\" does not exist."))
}

async fn sibling_blocks(conn: &mut SqliteConnection, account: &str, vpc_id: &str) -> ApiResult<Vec<Cidr>> {
    let rows: Vec<(String,)> = sqlx::query_as("SELECT cidr_block FROM vswitches WHERE account = ? AND vpc_id = ?")
        .bind(account)
        .bind(vpc_id)
        .fetch_all(&mut *conn)
        .await?;
    Ok(rows.iter().filter_map(|(c,)| Cidr::parse(c)).collect())
}

impl Store {
    /// Creates a VPC, honouring a ClientToken. Returns its ID (the earlier one on a replay).
    pub async fn create_vpc(&self, vpc: &Vpc, claim: Option<&TokenClaim>) -> ApiResult<String> {
        let mut tx = self.writer.begin().await?;
        if let Some(claim) = claim {
            if let Some(existing) = idempotency::lookup(&mut tx, claim).await? {
                return Ok(existing);
            }
        }
        sqlx::query(&format!("INSERT INTO vpcs ({VPC_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"))
            .bind(&vpc.id)
            .bind(&vpc.account)
            .bind(&vpc.region)
            .bind(&vpc.name)
            .bind(&vpc.description)
            .bind(&vpc.cidr_block)
            .bind(&vpc.resource_group_id)
            .bind(&vpc.vrouter_id)
            .bind(&vpc.route_table_id)
            .bind(vpc.created_ms)
            .bind(&vpc.ipv6_cidr_block)
            .execute(&mut *tx)
            .await?;
        if let Some(claim) = claim {
            idempotency::record(&mut tx, claim, &vpc.id, vpc.created_ms).await?;
        }
        tx.commit().await?;
        Ok(vpc.id.clone())
    }

    /// The tenant's VPCs, newest first.
    pub async fn vpcs(&self, account: &str, region: &str) -> ApiResult<Vec<Vpc>> {
        let rows: Vec<VpcTuple> = sqlx::query_as(&format!(
            "SELECT {VPC_COLUMNS} FROM vpcs WHERE account = ? AND region = ? ORDER BY created_ms DESC, id DESC"
        ))
        .bind(account)
        .bind(region)
        .fetch_all(&self.reader)
        .await?;
        Ok(rows.into_iter().map(vpc_from).collect())
    }

    pub async fn vpc(&self, account: &str, region: &str, id: &str) -> ApiResult<Option<Vpc>> {
        let row: Option<VpcTuple> =
            sqlx::query_as(&format!("SELECT {VPC_COLUMNS} FROM vpcs WHERE id = ? AND account = ? AND region = ?"))
                .bind(id)
                .bind(account)
                .bind(region)
                .fetch_optional(&self.reader)
                .await?;
        Ok(row.map(vpc_from))
    }

    /// Deletes one of the tenant's VPCs: `404 InvalidVpcId.NotFound`, `400 IncorrectVpcStatus`
    /// while Pending, `400 DependencyViolation.VSwitch` while it has vSwitches.
    pub async fn delete_vpc(
        &self,
        account: &str,
        region: &str,
        id: &str,
        now_ms: i64,
        pending_ms: i64,
    ) -> ApiResult<()> {
        let mut tx = self.writer.begin().await?;
        let key = (account, region, id);
        check_deletable(&mut tx, Network::Vpc, key, now_ms, pending_ms).await?;
        let (children,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM vswitches WHERE account = ? AND vpc_id = ?")
            .bind(account)
            .bind(id)
            .fetch_one(&mut *tx)
            .await?;
        if children > 0 {
            return Err(ApiError::with_message(
                Code::DependencyViolationVSwitch,
                format!("Specified object has dependent resources: VPC \"{id}\" still has {children} vSwitch(es)."),
            ));
        }
        sqlx::query("DELETE FROM vpcs WHERE id = ?").bind(id).execute(&mut *tx).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Creates a vSwitch in a VPC whose block is `vpc_cidr`: the block is checked (or, for a
    /// `CidrMask`, chosen) against the tenant's other vSwitches of that VPC and `fixed_siblings`
    /// (the built-in vSwitches of a default VPC) inside the write transaction. ClientToken as usual.
    pub async fn create_vswitch(
        &self,
        vswitch: &VSwitch,
        request: &CidrRequest,
        vpc_cidr: Cidr,
        fixed_siblings: &[Cidr],
        claim: Option<&TokenClaim>,
    ) -> ApiResult<String> {
        let mut tx = self.writer.begin().await?;
        if let Some(claim) = claim {
            if let Some(existing) = idempotency::lookup(&mut tx, claim).await? {
                return Ok(existing);
            }
        }
        let mut siblings = sibling_blocks(&mut tx, &vswitch.account, &vswitch.vpc_id).await?;
        siblings.extend_from_slice(fixed_siblings);
        let cidr = match request {
            CidrRequest::Block(text) => {
                network::check_vswitch_cidr(text, vpc_cidr, &siblings).map_err(|p| p.to_error(text))?
            }
            CidrRequest::Mask(mask) => {
                network::allocate(vpc_cidr, *mask, &siblings).map_err(|p| p.to_error(&format!("/{mask}")))?
            }
        };
        sqlx::query(&format!("INSERT INTO vswitches ({VSWITCH_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"))
            .bind(&vswitch.id)
            .bind(&vswitch.account)
            .bind(&vswitch.region)
            .bind(&vswitch.vpc_id)
            .bind(&vswitch.zone_id)
            .bind(&vswitch.name)
            .bind(&vswitch.description)
            .bind(cidr.to_string())
            .bind(&vswitch.resource_group_id)
            .bind(vswitch.created_ms)
            .execute(&mut *tx)
            .await?;
        if let Some(claim) = claim {
            idempotency::record(&mut tx, claim, &vswitch.id, vswitch.created_ms).await?;
        }
        tx.commit().await?;
        Ok(vswitch.id.clone())
    }

    /// The tenant's vSwitches, newest first.
    pub async fn vswitches(&self, account: &str, region: &str) -> ApiResult<Vec<VSwitch>> {
        let rows: Vec<VSwitchTuple> = sqlx::query_as(&format!(
            "SELECT {VSWITCH_COLUMNS} FROM vswitches WHERE account = ? AND region = ? ORDER BY created_ms DESC, id DESC"
        ))
        .bind(account)
        .bind(region)
        .fetch_all(&self.reader)
        .await?;
        Ok(rows.into_iter().map(vswitch_from).collect())
    }

    pub async fn vswitch(&self, account: &str, region: &str, id: &str) -> ApiResult<Option<VSwitch>> {
        let row: Option<VSwitchTuple> = sqlx::query_as(&format!(
            "SELECT {VSWITCH_COLUMNS} FROM vswitches WHERE id = ? AND account = ? AND region = ?"
        ))
        .bind(id)
        .bind(account)
        .bind(region)
        .fetch_optional(&self.reader)
        .await?;
        Ok(row.map(vswitch_from))
    }

    /// Deletes one of the tenant's vSwitches: `404 InvalidVSwitchId.NotFound`,
    /// `400 IncorrectVSwitchStatus` while Pending, `400 DependencyViolation` while a running build's
    /// transit instance or an image template uses it.
    pub async fn delete_vswitch(
        &self,
        account: &str,
        region: &str,
        id: &str,
        now_ms: i64,
        pending_ms: i64,
    ) -> ApiResult<()> {
        let mut tx = self.writer.begin().await?;
        let key = (account, region, id);
        check_deletable(&mut tx, Network::VSwitch, key, now_ms, pending_ms).await?;
        let build: Option<(String,)> = sqlx::query_as(&format!(
            "SELECT e.id FROM executions e JOIN image_pipelines p ON p.id = e.pipeline_id \
             WHERE e.account = ? AND e.region = ? AND e.status NOT IN {TERMINAL_SQL} \
             AND json_extract(p.spec, '$.vswitch_id') = ? LIMIT 1"
        ))
        .bind(account)
        .bind(region)
        .bind(id)
        .fetch_optional(&mut *tx)
        .await?;
        if let Some((execution,)) = build {
            return Err(ApiError::with_message(
                Code::DependencyViolation,
                format!("Specified object has dependent resources: the transit instance of build \"{execution}\" runs in vSwitch \"{id}\"."),
            ));
        }
        let template: Option<(String,)> = sqlx::query_as(
            "SELECT id FROM image_pipelines WHERE account = ? AND region = ? AND json_extract(spec, '$.vswitch_id') = ? LIMIT 1",
        )
        .bind(account)
        .bind(region)
        .bind(id)
        .fetch_optional(&mut *tx)
        .await?;
        if let Some((pipeline,)) = template {
            return Err(ApiError::with_message(
                Code::DependencyViolation,
                format!(
                    "Specified object has dependent resources: image template \"{pipeline}\" uses vSwitch \"{id}\"."
                ),
            ));
        }
        sqlx::query("DELETE FROM vswitches WHERE id = ?").bind(id).execute(&mut *tx).await?;
        tx.commit().await?;
        Ok(())
    }
}
