-- PostgreSQL twin of migrations/0010_vpc_ipv6.sql (same version and name; see migrations/postgres/README.md).
-- The IPv6 CIDR block a VPC created with EnableIpv6=true gets (NULL: IPv6 not enabled), which
-- DescribeVpcs / DescribeVpcAttribute report as EnabledIpv6, Ipv6CidrBlock and Ipv6CidrBlocks.
-- Never edit an applied migration.
ALTER TABLE vpcs ADD COLUMN ipv6_cidr_block TEXT;
