//! `outflow serve`: opens the store, runs migrations, bootstraps the first admin, builds
//! the router with its HTTP layers, and serves until SIGTERM or Ctrl-C.

use std::{sync::Arc, time::Duration};

use axum::{
    Router,
    extract::DefaultBodyLimit,
    http::{HeaderValue, StatusCode, header},
    middleware,
};
use tokio::{net::TcpListener, sync::watch};
use tower_http::{compression::CompressionLayer, set_header::SetResponseHeaderLayer, timeout::TimeoutLayer, trace::TraceLayer};

use outflow_core::{Store, secrets::SecretBox, store};

use crate::{
    access::RateLimit,
    config::Config,
    delivery::{
        HttpClients,
        auth::TokenCache,
        devices::Providers,
        egress::EgressPolicy,
        script::ScriptThreads,
        self_calls::{Delegations, SelfApi},
        webhooks::Sender,
    },
    engine::Engine,
    metrics::Metrics,
    routes,
    runtime::Runtime,
    session,
    state::AppState,
    web,
    workers::{self, Wakeups},
};

/// Largest request body any route accepts; routes with bigger needs set their own.
pub const MAX_BODY_BYTES: usize = 2 * 1024 * 1024;
/// No request may hold a connection longer than this.
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);
/// How long shutdown waits for workers to finish the deliveries they hold.
const WORKER_DRAIN: Duration = Duration::from_secs(15);

#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    #[error("cannot create the data folder {path}: {source}")]
    DataDir { path: String, source: std::io::Error },
    #[error("cannot open the database: {0}")]
    Store(#[from] store::StoreError),
    #[error("cannot listen on {addr}: {source}")]
    Bind { addr: std::net::SocketAddr, source: std::io::Error },
    #[error("cannot load the secret key: {0}")]
    Secrets(#[from] outflow_core::secrets::SecretError),
    #[error("cannot build the HTTP client: {0}")]
    Client(#[from] reqwest::Error),
    #[error("server failed: {0}")]
    Io(#[from] std::io::Error),
}

pub async fn run(config: Config) -> Result<(), ServeError> {
    std::fs::create_dir_all(&config.data_dir).map_err(|source| ServeError::DataDir { path: config.data_dir.display().to_string(), source })?;
    let secrets = SecretBox::load(config.secret_key.as_deref(), &config.data_dir)?;
    let store = Store::open(&config.database_url).await?;
    store.set_flow_run_lease(config.flow_run_lease);
    store.migrate().await?;
    let released = store::release_leases(&store).await?;
    if released > 0 {
        tracing::info!(released, "resuming deliveries and flow runs a previous run left unfinished");
    }
    if let Some(key) = &config.bootstrap_api_key {
        match store::bootstrap_admin(&store, key).await? {
            store::BootstrapOutcome::Created => tracing::info!("created the first admin from OUTFLOW_BOOTSTRAP_API_KEY"),
            store::BootstrapOutcome::AdminAlreadyExists => tracing::debug!("an admin exists; bootstrap key ignored"),
        }
    }
    let admin_needs_link = if config.bootstrap_api_key.is_some() { None } else { store::admin_without_access(&store).await? };
    if config.install_example {
        match outflow_core::example::install_example(&store, None).await {
            Ok(workflow) => tracing::info!(workflow = %workflow.name, "installed the example workflow"),
            Err(store::StoreError::Conflict(message)) => tracing::info!("{message}"),
            Err(error) => return Err(error.into()),
        }
    }
    if !crate::assets::has_browser_bundles() {
        tracing::warn!("this binary was built without the browser bundles: pages render but stay static; build with ./x");
    }

    let listener = TcpListener::bind(config.addr).await.map_err(|source| ServeError::Bind { addr: config.addr, source })?;
    let local_addr = listener.local_addr()?;
    let leptos_options = web::leptos_options(local_addr);
    let wakeups = Arc::new(Wakeups::default());
    wakeups.share(&store);
    let (stop_workers, shutdown) = watch::channel(false);
    let (announce_stop, stopping) = watch::channel(false);
    let clients = HttpClients::new(EgressPolicy { deny_private: config.deny_private_egress })?;
    let metrics = Arc::new(Metrics::default());
    let delegations = Arc::new(Delegations::default());
    let runtime = Runtime {
        store: store.clone(),
        secrets: secrets.clone(),
        sender: Sender { clients: clients.clone(), tokens: TokenCache::default(), timeout: config.webhook_timeout, gates: Default::default() },
        schedule: config.retry_schedule.clone(),
        script_limits: config.script_limits,
        metrics: metrics.clone(),
        self_api: SelfApi::new(format!("http://{local_addr}"), delegations.clone()),
        scripts: ScriptThreads::start(ScriptThreads::suggested_count())?,
        caches: Arc::default(),
    };
    let ops = outflow_core::ops::Ops::new(store.clone(), secrets.clone(), wakeups.clone());
    let engine = Engine::new(runtime.clone(), ops.clone(), config.flow_settings);
    let schedule_clock = match &config.schedule_clock_file {
        Some(path) => {
            tracing::warn!(path = %path.display(), "schedules follow the clock in this file (a test aid), not the system clock");
            workers::schedules::SchedulerClock::File(path.clone())
        }
        None => workers::schedules::SchedulerClock::System,
    };
    let mut workers = workers::spawn(Providers::standard(&clients), runtime, engine.clone(), schedule_clock, wakeups.clone(), shutdown);
    let flows = engine.clone();
    let state = AppState {
        ops,
        store: store.clone(),
        wakeups,
        secrets,
        metrics,
        leptos_options,
        rate_limit: RateLimit::per_second(config.rate_limit),
        sign_in_limit: session::SignInThrottle::new(),
        setup_limit: RateLimit::attempts(10, Duration::from_secs(6)),
        trust_forwarded_for: config.trust_forwarded_for,
        metrics_token: config.metrics_token.as_deref().map(Arc::from),
        delegations,
        session_ttl_ms: i64::try_from(config.session_ttl.as_millis()).unwrap_or(i64::MAX / 2),
        agent_lease_ms: i64::try_from(config.agent_lease.as_millis()).unwrap_or(i64::MAX / 2),
        engine,
        stopping,
    };
    let app = app(state);

    let signal = shutdown_signal();
    let shutdown = async move {
        signal.await;
        // Agents' long-polls answer now instead of holding shutdown for their full wait.
        let _ = announce_stop.send(true);
    };
    // Tests and scripts read this line to learn the port chosen for `--addr …:0`.
    println!("Outflow is listening on http://{local_addr}");
    if let Some(admin) = admin_needs_link {
        let token = store::create_password_link(&store, &admin).await?;
        println!("No one can sign in yet. Open http://{local_addr}/setup?token={token} within 24 hours to choose the password of \"{admin}\".");
    }
    tracing::info!(%local_addr, database = %config.database_url, "serving");
    // `into_make_service…` builds the route table once; serving the Router itself rebuilds
    // (clones) it for every connection, which cost ~2 MiB per open connection. The peer
    // address is the client of sign-in throttling and of `/metrics`' loopback rule.
    let service = app.into_make_service_with_connect_info::<std::net::SocketAddr>();
    axum::serve(listener, service).with_graceful_shutdown(shutdown).await?;
    // Workers finish what they hold; anything unfinished is still in the database.
    let _ = stop_workers.send(true);
    let drained = tokio::time::timeout(WORKER_DRAIN, async {
        while workers.join_next().await.is_some() {}
        flows.drain(WORKER_DRAIN).await
    });
    if !matches!(drained.await, Ok(true)) {
        tracing::warn!("workers and flow runs did not finish within {} s; they will be taken up again after restart", WORKER_DRAIN.as_secs());
    }
    store.close().await;
    tracing::info!("stopped");
    Ok(())
}

/// The whole HTTP application: API, UI and assets behind the shared layers.
pub fn app(state: AppState) -> Router {
    let ui = web::router(&state)
        .merge(session::router())
        // Inside the gate: only a signed-in caller's body is read.
        .layer(middleware::from_fn(web::limit_server_fn_body))
        .layer(middleware::from_fn_with_state(state.clone(), session::gate));
    Router::new()
        .merge(routes::router(&state))
        .merge(crate::routes::metrics::router())
        .merge(ui)
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        .layer(SetResponseHeaderLayer::overriding(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY")))
        .layer(SetResponseHeaderLayer::overriding(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff")))
        .layer(SetResponseHeaderLayer::overriding(header::REFERRER_POLICY, HeaderValue::from_static("same-origin")))
        // Pages set their own policy (with a nonce); everything else may load nothing.
        .layer(SetResponseHeaderLayer::if_not_present(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static("default-src 'none'; frame-ancestors 'none'"),
        ))
        .layer(CompressionLayer::new())
        .layer(TimeoutLayer::with_status_code(StatusCode::REQUEST_TIMEOUT, REQUEST_TIMEOUT))
        .layer(TraceLayer::new_for_http())
        .with_state(state)
}

/// Registers for SIGTERM and Ctrl-C now (so a signal that arrives right after start is not
/// fatal) and returns the future that completes when one arrives.
pub(crate) fn shutdown_signal() -> impl std::future::Future<Output = ()> {
    #[cfg(unix)]
    let listeners = {
        use tokio::signal::unix::{SignalKind, signal};
        [SignalKind::terminate(), SignalKind::interrupt()]
            .map(|kind| signal(kind).map_err(|error| tracing::warn!(%error, "cannot listen for a shutdown signal")).ok())
    };
    async move {
        #[cfg(unix)]
        {
            let [mut terminate, mut interrupt] = listeners;
            tokio::select! {
                () = received(&mut terminate) => {},
                () = received(&mut interrupt) => {},
            }
        }
        #[cfg(not(unix))]
        if let Err(error) = tokio::signal::ctrl_c().await {
            tracing::warn!(%error, "cannot listen for Ctrl-C");
            std::future::pending::<()>().await;
        }
        tracing::info!("shutting down: finishing requests in flight");
    }
}

/// Waits for a registered signal; never completes when registration failed.
#[cfg(unix)]
async fn received(listener: &mut Option<tokio::signal::unix::Signal>) {
    match listener {
        Some(signal) => {
            signal.recv().await;
        }
        None => std::future::pending::<()>().await,
    }
}
