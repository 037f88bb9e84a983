// The throwaway PostgreSQL cluster lives in scripts/pg-cluster.ts (the benchmarks start it
// too, and they must not depend on the tests).
export { postgresAvailable, postgresBinDir, startPostgres, type PgCluster } from "../../scripts/pg-cluster.js";
