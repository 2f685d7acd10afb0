//! Device providers: how a notification reaches a device of each kind. A webhook device
//! gets a real HTTP POST whose answer decides delivered or failed; email, sms, voice and
//! push go to a provider behind the same trait, by default the built-in test provider whose
//! outcome each device configures.

use std::{collections::HashMap, future::Future, pin::Pin, sync::Arc, time::Duration};

use outflow_core::store::{DeliveryJob, DeliveryResult};
use outflow_model::people::DeviceKind;

/// How long a webhook device may take to answer.
pub const WEBHOOK_TIMEOUT: Duration = Duration::from_secs(10);
/// How much of a failing answer's body is kept in the delivery message.
const EXCERPT_CHARS: usize = 200;

pub type DeliveryFuture<'a> = Pin<Box<dyn Future<Output = DeliveryResult> + Send + 'a>>;

/// Delivers one notification to one kind of device.
pub trait DeviceProvider: Send + Sync {
    fn deliver<'a>(&'a self, job: &'a DeliveryJob) -> DeliveryFuture<'a>;
}

/// The provider for each device kind.
#[derive(Clone)]
pub struct Providers {
    by_kind: HashMap<DeviceKind, Arc<dyn DeviceProvider>>,
}

impl Providers {
    /// Webhook devices over HTTP; every other kind through the test provider.
    pub fn standard(clients: &super::HttpClients) -> Providers {
        let webhook: Arc<dyn DeviceProvider> = Arc::new(WebhookDevice { client: clients.verified.clone(), egress: clients.egress });
        let test: Arc<dyn DeviceProvider> = Arc::new(TestProvider);
        let by_kind =
            DeviceKind::ALL.into_iter().map(|kind| (kind, if kind == DeviceKind::Webhook { webhook.clone() } else { test.clone() })).collect();
        Providers { by_kind }
    }

    pub async fn deliver(&self, job: &DeliveryJob) -> DeliveryResult {
        let Some(kind) = job.kind else {
            return DeliveryResult::Failed(format!("The device \"{}\" was removed before delivery.", job.device_name));
        };
        match self.by_kind.get(&kind) {
            Some(provider) => provider.deliver(job).await,
            None => DeliveryResult::Failed(format!("No provider delivers to {} devices.", kind.key())),
        }
    }
}

/// POSTs the notification as JSON; any 2xx answer is a delivery.
struct WebhookDevice {
    client: reqwest::Client,
    egress: super::egress::EgressPolicy,
}

impl DeviceProvider for WebhookDevice {
    fn deliver<'a>(&'a self, job: &'a DeliveryJob) -> DeliveryFuture<'a> {
        Box::pin(async move {
            let url = match reqwest::Url::parse(&job.address) {
                Ok(url) => url,
                Err(error) => return DeliveryResult::Failed(format!("\"{}\" is not a valid URL: {error}", job.address)),
            };
            if let Err(refusal) = self.egress.check_url(&url) {
                return DeliveryResult::Failed(refusal);
            }
            let sent = self.client.post(url).timeout(WEBHOOK_TIMEOUT).json(&job.body).send().await;
            match sent {
                Ok(response) if response.status().is_success() => {
                    DeliveryResult::Delivered(format!("HTTP {} from {}", response.status().as_u16(), job.address))
                }
                Ok(response) => {
                    let status = response.status().as_u16();
                    let body = super::read_capped(response).await.unwrap_or_default();
                    let excerpt: String = body.text.chars().take(EXCERPT_CHARS).collect();
                    DeliveryResult::Failed(format!("HTTP {status} from {}: {excerpt}", job.address))
                }
                Err(error) if error.is_timeout() => {
                    DeliveryResult::Failed(format!("No answer from {} within {} s", job.address, WEBHOOK_TIMEOUT.as_secs()))
                }
                Err(error) => DeliveryResult::Failed(format!("Could not reach {}: {}", job.address, super::root_cause(&error))),
            }
        })
    }
}

/// Answers with the outcome configured on the device, without sending anything.
struct TestProvider;

impl DeviceProvider for TestProvider {
    fn deliver<'a>(&'a self, job: &'a DeliveryJob) -> DeliveryFuture<'a> {
        Box::pin(async move {
            let kind = job.kind.map(DeviceKind::key).unwrap_or("unknown");
            if job.test_fails {
                DeliveryResult::Failed(format!("Test provider: {kind} delivery to {} failed (configured outcome)", job.address))
            } else {
                DeliveryResult::Delivered(format!("Test provider: {kind} delivered to {}", job.address))
            }
        })
    }
}
