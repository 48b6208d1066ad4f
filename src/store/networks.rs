//! SQL for VPCs and vSwitches (VPC API 2016-04-28): the queries the create and delete actions run
//! in their [`WriteTx`] (the CIDR and dependency rules are `domain::network`), and listing and
//! reading one tenant's networks.

use sqlx::AnyConnection;

use super::{Store, WriteTx};
use crate::domain::execution::TERMINAL_SQL;
use crate::domain::network::{Cidr, NetworkKind, VSwitch, Vpc};

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

async fn sibling_blocks(conn: &mut AnyConnection, account: &str, vpc_id: &str) -> Result<Vec<Cidr>, sqlx::Error> {
    let rows: Vec<(String,)> = sqlx::query_as("SELECT cidr_block FROM vswitches WHERE account = $1 AND vpc_id = $2")
        .bind(account)
        .bind(vpc_id)
        .fetch_all(&mut *conn)
        .await?;
    Ok(rows.iter().filter_map(|(c,)| Cidr::parse(c)).collect())
}

impl Store {
    pub async fn vpcs(&self, account: &str, region: &str) -> Result<Vec<Vpc>, sqlx::Error> {
        let rows: Vec<VpcTuple> = sqlx::query_as(&format!(
            "SELECT {VPC_COLUMNS} FROM vpcs WHERE account = $1 AND region = $2 ORDER BY created_ms DESC, id DESC"
        ))
        .bind(account)
        .bind(region)
        .fetch_all(&self.reader)
        .await?;
        Ok(rows.into_iter().map(vpc_from).collect())
    }

    pub async fn vpc(&self, account: &str, region: &str, id: &str) -> Result<Option<Vpc>, sqlx::Error> {
        let row: Option<VpcTuple> =
            sqlx::query_as(&format!("SELECT {VPC_COLUMNS} FROM vpcs WHERE id = $1 AND account = $2 AND region = $3"))
                .bind(id)
                .bind(account)
                .bind(region)
                .fetch_optional(&self.reader)
                .await?;
        Ok(row.map(vpc_from))
    }

    pub async fn vswitches(&self, account: &str, region: &str) -> Result<Vec<VSwitch>, sqlx::Error> {
        let rows: Vec<VSwitchTuple> = sqlx::query_as(&format!(
            "SELECT {VSWITCH_COLUMNS} FROM vswitches WHERE account = $1 AND region = $2 ORDER BY created_ms DESC, id DESC"
        ))
        .bind(account)
        .bind(region)
        .fetch_all(&self.reader)
        .await?;
        Ok(rows.into_iter().map(vswitch_from).collect())
    }

    pub async fn vswitch(&self, account: &str, region: &str, id: &str) -> Result<Option<VSwitch>, sqlx::Error> {
        let row: Option<VSwitchTuple> = sqlx::query_as(&format!(
            "SELECT {VSWITCH_COLUMNS} FROM vswitches WHERE id = $1 AND account = $2 AND region = $3"
        ))
        .bind(id)
        .bind(account)
        .bind(region)
        .fetch_optional(&self.reader)
        .await?;
        Ok(row.map(vswitch_from))
    }
}

impl WriteTx {
    pub async fn insert_vpc(&mut self, vpc: &Vpc) -> Result<(), sqlx::Error> {
        sqlx::query(&format!("INSERT INTO vpcs ({VPC_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)"))
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
            .execute(self.conn().await?)
            .await?;
        Ok(())
    }

    /// The blocks of the tenant's vSwitches in a VPC.
    pub async fn vswitch_blocks(&mut self, account: &str, vpc_id: &str) -> Result<Vec<Cidr>, sqlx::Error> {
        sibling_blocks(self.conn().await?, account, vpc_id).await
    }

    /// Inserts a vSwitch with the block chosen for it.
    pub async fn insert_vswitch(&mut self, vswitch: &VSwitch, cidr: Cidr) -> Result<(), sqlx::Error> {
        sqlx::query(&format!(
            "INSERT INTO vswitches ({VSWITCH_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)"
        ))
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
        .execute(self.conn().await?)
        .await?;
        Ok(())
    }

    /// When the tenant's network was created (`None`: the tenant has no such network).
    pub async fn network_created_ms(
        &mut self,
        kind: NetworkKind,
        (account, region, id): (&str, &str, &str),
    ) -> Result<Option<i64>, sqlx::Error> {
        let table = match kind {
            NetworkKind::Vpc => "vpcs",
            NetworkKind::VSwitch => "vswitches",
        };
        let row: Option<(i64,)> =
            sqlx::query_as(&format!("SELECT created_ms FROM {table} WHERE id = $1 AND account = $2 AND region = $3"))
                .bind(id)
                .bind(account)
                .bind(region)
                .fetch_optional(self.conn().await?)
                .await?;
        Ok(row.map(|(created_ms,)| created_ms))
    }

    /// How many vSwitches the tenant has in a VPC.
    pub async fn vswitch_count(&mut self, account: &str, vpc_id: &str) -> Result<i64, sqlx::Error> {
        let (children,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM vswitches WHERE account = $1 AND vpc_id = $2")
            .bind(account)
            .bind(vpc_id)
            .fetch_one(self.conn().await?)
            .await?;
        Ok(children)
    }

    /// A running build of the tenant whose template uses the vSwitch, if any.
    pub async fn build_in_vswitch(
        &mut self,
        account: &str,
        region: &str,
        id: &str,
    ) -> Result<Option<String>, sqlx::Error> {
        let vswitch = self.backend().json_text("p.spec", "vswitch_id");
        let build: Option<(String,)> = sqlx::query_as(&format!(
            "SELECT e.id FROM executions e JOIN image_pipelines p ON p.id = e.pipeline_id \
             WHERE e.account = $1 AND e.region = $2 AND e.status NOT IN {TERMINAL_SQL} \
             AND {vswitch} = $3 LIMIT 1"
        ))
        .bind(account)
        .bind(region)
        .bind(id)
        .fetch_optional(self.conn().await?)
        .await?;
        Ok(build.map(|(id,)| id))
    }

    /// A template of the tenant that uses the vSwitch, if any.
    pub async fn template_in_vswitch(
        &mut self,
        account: &str,
        region: &str,
        id: &str,
    ) -> Result<Option<String>, sqlx::Error> {
        let vswitch = self.backend().json_text("spec", "vswitch_id");
        let template: Option<(String,)> = sqlx::query_as(&format!(
            "SELECT id FROM image_pipelines WHERE account = $1 AND region = $2 AND {vswitch} = $3 LIMIT 1"
        ))
        .bind(account)
        .bind(region)
        .bind(id)
        .fetch_optional(self.conn().await?)
        .await?;
        Ok(template.map(|(id,)| id))
    }

    pub async fn delete_vpc(&mut self, id: &str) -> Result<(), sqlx::Error> {
        sqlx::query("DELETE FROM vpcs WHERE id = $1").bind(id).execute(self.conn().await?).await?;
        Ok(())
    }

    pub async fn delete_vswitch(&mut self, id: &str) -> Result<(), sqlx::Error> {
        sqlx::query("DELETE FROM vswitches WHERE id = $1").bind(id).execute(self.conn().await?).await?;
        Ok(())
    }
}
