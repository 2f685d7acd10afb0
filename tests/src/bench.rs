//! What the benchmarks measure besides their own load: a process's CPU time, and what
//! PostgreSQL counted (transactions, statements) for a benchmark's database.

use std::time::Duration;

use crate::TestServer;

/// User plus system CPU time the process has used so far, in seconds, from `/proc/<pid>/stat`.
pub fn cpu_seconds(pid: u32) -> f64 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    // The command name may hold spaces; the fields after it are space-separated.
    let after_name = stat.rsplit_once(')').map_or("", |(_, rest)| rest);
    let fields: Vec<&str> = after_name.split_whitespace().collect();
    let ticks = |index: usize| fields.get(index).and_then(|field| field.parse::<f64>().ok()).unwrap_or_default();
    // utime and stime are fields 14 and 15 of the line, i.e. 11 and 12 after the name.
    (ticks(11) + ticks(12)) / clock_ticks_per_second()
}

fn clock_ticks_per_second() -> f64 {
    // SAFETY: sysconf only reads a configuration value.
    let ticks = unsafe { libc::sysconf(libc::_SC_CLK_TCK) };
    if ticks > 0 { ticks as f64 } else { 100.0 }
}

/// The servers a benchmark loads: as many instances on one database as
/// `OUTFLOW_BENCH_INSTANCES` says (`./x bench --instances N` sets it; 1 when unset), without
/// a rate limit (one API key sends every request: the per-key limit would measure itself).
pub fn servers() -> Vec<TestServer> {
    let unlimited = [("OUTFLOW_RATE_LIMIT", "0")];
    let instances: usize = std::env::var("OUTFLOW_BENCH_INSTANCES").ok().and_then(|n| n.parse().ok()).unwrap_or(1).max(1);
    let mut servers = vec![TestServer::start_with(&unlimited)];
    for _ in 1..instances {
        servers.push(servers[0].another_instance(&unlimited));
    }
    servers
}

/// A benchmark's PostgreSQL database, when it runs on one.
pub struct Postgres<'a>(&'a TestServer);

/// What PostgreSQL counted for the database so far, and the CPU its processes used.
#[derive(Clone, Copy)]
pub struct DatabaseCounts {
    pub transactions: u64,
    /// `None` when the server does not load `pg_stat_statements`.
    pub statements: Option<u64>,
    /// The CPU time of every `postgres` process on this machine (the benchmark's cluster is the
    /// only one running): backends that ended in between are not counted.
    pub cpu_seconds: f64,
}

impl DatabaseCounts {
    pub fn since(self, before: DatabaseCounts) -> DatabaseCounts {
        DatabaseCounts {
            transactions: self.transactions.saturating_sub(before.transactions),
            statements: self.statements.zip(before.statements).map(|(now, then)| now.saturating_sub(then)),
            cpu_seconds: self.cpu_seconds - before.cpu_seconds,
        }
    }

    /// "PostgreSQL per <unit>: N transactions, M statements, C µs of its CPU", for `units` of work.
    pub fn per(self, unit: &str, units: u64) -> String {
        let units = units.max(1) as f64;
        let per = |count: u64| format!("{:.1}", count as f64 / units);
        let statements = self.statements.map_or_else(|| "n/a (pg_stat_statements not loaded)".to_string(), per);
        let cpu = self.cpu_seconds * 1e6 / units;
        format!("PostgreSQL per {unit}: {} transactions, {statements} statements, {cpu:.0} µs of its CPU", per(self.transactions))
    }
}

impl<'a> Postgres<'a> {
    /// The database of `server` when the benchmark runs on PostgreSQL.
    pub fn of(server: &'a TestServer) -> Option<Postgres<'a>> {
        crate::postgres_server()?;
        // Counts statements when the server loads the extension (`./x bench --postgres` does).
        server.query_one("CREATE EXTENSION IF NOT EXISTS pg_stat_statements", "");
        Some(Postgres(server))
    }

    pub fn counts(&self) -> DatabaseCounts {
        // Backends publish their counts at most once a second.
        std::thread::sleep(Duration::from_millis(1100));
        let number = |sql: &str| self.0.query_one(sql, "").and_then(|text| text.parse::<u64>().ok());
        DatabaseCounts {
            transactions: number("SELECT xact_commit + xact_rollback FROM pg_stat_database WHERE datname = current_database()").unwrap_or_default(),
            statements: number(
                "SELECT sum(calls)::bigint FROM pg_stat_statements WHERE dbid = (SELECT oid FROM pg_database WHERE datname = current_database())",
            ),
            cpu_seconds: postgres_cpu_seconds(),
        }
    }
}

/// The CPU time used so far by the processes named `postgres`.
fn postgres_cpu_seconds() -> f64 {
    let Ok(entries) = std::fs::read_dir("/proc") else { return 0.0 };
    entries
        .filter_map(|entry| entry.ok()?.file_name().to_str()?.parse::<u32>().ok())
        .filter(|pid| std::fs::read_to_string(format!("/proc/{pid}/comm")).is_ok_and(|name| name.trim() == "postgres"))
        .map(cpu_seconds)
        .sum()
}
