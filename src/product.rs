//! The Alibaba products the one RPC endpoint serves, told apart by their API version: ECS
//! (`2014-05-26`, the Image Builder and the ECS actions around it), VPC (`2016-04-28`),
//! ResourceManager (`2020-03-31`), STS (`2015-04-01`) and BssOpenApi (`2017-12-14`). Each product
//! has its own host, which error bodies name as `HostId`.
//!
//! Versions and endpoints: <https://api.aliyun.com/product/Ecs>, <https://api.aliyun.com/product/Vpc>,
//! <https://api.aliyun.com/product/ResourceManager>, <https://api.aliyun.com/product/Sts>,
//! <https://api.aliyun.com/product/BssOpenApi>.

/// A product, by the API version its requests carry.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Product {
    Ecs,
    Vpc,
    ResourceManager,
    Sts,
    BssOpenApi,
}

impl Product {
    pub const ALL: &'static [Product] =
        &[Product::Ecs, Product::Vpc, Product::ResourceManager, Product::Sts, Product::BssOpenApi];

    /// The `Version` parameter (or `x-acs-version` header) of this product's requests.
    pub const fn version(self) -> &'static str {
        match self {
            Product::Ecs => "2014-05-26",
            Product::Vpc => "2016-04-28",
            Product::ResourceManager => "2020-03-31",
            Product::Sts => "2015-04-01",
            Product::BssOpenApi => "2017-12-14",
        }
    }

    /// The product a request's version names, if it is one we serve.
    pub fn from_version(version: &str) -> Option<Product> {
        Product::ALL.iter().copied().find(|p| p.version() == version)
    }

    /// `HostId` of this product's error bodies: its public endpoint.
    pub fn host(self) -> &'static str {
        match self {
            Product::Ecs => "ecs.aliyuncs.com",
            Product::Vpc => "vpc.aliyuncs.com",
            Product::ResourceManager => "resourcemanager.aliyuncs.com",
            Product::Sts => "sts.aliyuncs.com",
            Product::BssOpenApi => "business.aliyuncs.com",
        }
    }

    /// The product code in the `Recommend` troubleshooting link of error bodies.
    pub fn code(self) -> &'static str {
        match self {
            Product::Ecs => "Ecs",
            Product::Vpc => "Vpc",
            Product::ResourceManager => "ResourceManager",
            Product::Sts => "Sts",
            Product::BssOpenApi => "BssOpenApi",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_are_distinct_and_round_trip() {
        for p in Product::ALL {
            assert_eq!(Product::from_version(p.version()), Some(*p));
        }
        assert_eq!(Product::from_version("2099-01-01"), None);
    }
}
