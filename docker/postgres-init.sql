-- Run once by the postgres image on an empty volume: Temporal's role, with the right to
-- create its two databases (temporal, temporal_visibility; temporal-sql-tool creates them).
CREATE ROLE temporal WITH LOGIN PASSWORD 'temporal' CREATEDB;
