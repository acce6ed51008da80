//! The heartbeat loop: one heartbeat every 3 hours, backing off 30/60/120/240 s on failure and
//! stopping after 5 consecutive failures, as the contract's heartbeat protocol says.

use std::sync::Arc;
use std::time::Duration;

use futures::stream::{self, BoxStream, StreamExt};

use crate::client::NearlyClient;
use crate::error::NearlyError;
use crate::retry::Sleeper;
use crate::types::Heartbeat;

/// The contract's interval between heartbeats: 3 hours.
pub const HEARTBEAT_INTERVAL: Duration = Duration::from_secs(3 * 60 * 60);

/// The contract's waits after the 1st, 2nd, 3rd and 4th consecutive failure.
pub const FAILURE_BACKOFF: [Duration; 4] = [
    Duration::from_secs(30),
    Duration::from_secs(60),
    Duration::from_secs(120),
    Duration::from_secs(240),
];

/// The contract's limit: stop after this many consecutive failures.
pub const MAX_CONSECUTIVE_FAILURES: u32 = 5;

/// What the loop reports, one item per heartbeat attempt.
#[derive(Debug)]
pub enum HeartbeatEvent {
    /// A heartbeat succeeded; `delta` holds the new followers since the previous one.
    Beat(Box<Heartbeat>),
    /// A heartbeat failed; the loop retries after `retry_in`.
    Failed {
        /// Failures in a row so far (1-based).
        consecutive_failures: u32,
        /// The failure.
        error: NearlyError,
        /// The wait before the next attempt.
        retry_in: Duration,
    },
    /// The last failure in a row the loop accepts: the stream ends after this item. Alert your
    /// operator.
    GaveUp {
        /// Failures in a row.
        consecutive_failures: u32,
        /// The last failure.
        error: NearlyError,
    },
}

/// A configurable heartbeat loop. [`HeartbeatLoop::into_stream`] yields one
/// [`HeartbeatEvent`] per attempt; the first heartbeat is sent at once.
///
/// Each attempt is one [`NearlyClient::heartbeat`] call, so the client's own retry policy runs
/// inside an attempt; give the loop a client with [`RetryPolicy::none`](crate::RetryPolicy::none)
/// to have only the loop's backoff. A failure's `retry_after` longer than the backoff step is
/// honoured.
#[derive(Debug)]
pub struct HeartbeatLoop {
    client: NearlyClient,
    sleeper: Arc<dyn Sleeper>,
    interval: Duration,
    backoff: Vec<Duration>,
    max_failures: u32,
}

impl HeartbeatLoop {
    /// The contract's loop for `client`, sleeping with the client's sleeper.
    pub fn new(client: NearlyClient) -> Self {
        let sleeper = client.inner.sleeper.clone();
        Self {
            client,
            sleeper,
            interval: HEARTBEAT_INTERVAL,
            backoff: FAILURE_BACKOFF.to_vec(),
            max_failures: MAX_CONSECUTIVE_FAILURES,
        }
    }

    /// Another sleeper (tests use a [`RecordingSleeper`](crate::RecordingSleeper)).
    pub fn sleeper(mut self, sleeper: Arc<dyn Sleeper>) -> Self {
        self.sleeper = sleeper;
        self
    }

    /// Another interval between successful heartbeats.
    pub fn interval(mut self, interval: Duration) -> Self {
        self.interval = interval;
        self
    }

    /// Other failure backoff steps (the last step repeats). An empty list means no wait.
    pub fn backoff(mut self, steps: Vec<Duration>) -> Self {
        self.backoff = steps;
        self
    }

    /// Another limit of consecutive failures (at least 1).
    pub fn max_failures(mut self, max: u32) -> Self {
        self.max_failures = max.max(1);
        self
    }

    /// The wait after the `n`th consecutive failure (1-based).
    pub fn backoff_after(&self, n: u32) -> Duration {
        let index = usize::try_from(n.saturating_sub(1)).unwrap_or(usize::MAX);
        self.backoff
            .get(index)
            .or_else(|| self.backoff.last())
            .copied()
            .unwrap_or_default()
    }

    /// The loop as a stream. It ends only after [`HeartbeatEvent::GaveUp`]; drop it to stop.
    pub fn into_stream(self) -> BoxStream<'static, HeartbeatEvent> {
        struct State {
            config: HeartbeatLoop,
            wait: Option<Duration>,
            failures: u32,
            done: bool,
        }
        let state = State {
            config: self,
            wait: None,
            failures: 0,
            done: false,
        };
        stream::unfold(state, |mut st| async move {
            if st.done {
                return None;
            }
            if let Some(wait) = st.wait.take() {
                st.config.sleeper.sleep(wait).await;
            }
            match st.config.client.heartbeat().await {
                Ok(hb) => {
                    st.failures = 0;
                    st.wait = Some(st.config.interval);
                    Some((HeartbeatEvent::Beat(Box::new(hb)), st))
                }
                Err(error) => {
                    st.failures += 1;
                    if st.failures >= st.config.max_failures {
                        st.done = true;
                        let event = HeartbeatEvent::GaveUp {
                            consecutive_failures: st.failures,
                            error,
                        };
                        return Some((event, st));
                    }
                    let step = st.config.backoff_after(st.failures);
                    let retry_in = error.retry_after().map_or(step, |ra| ra.max(step));
                    st.wait = Some(retry_in);
                    let event = HeartbeatEvent::Failed {
                        consecutive_failures: st.failures,
                        error,
                        retry_in,
                    };
                    Some((event, st))
                }
            }
        })
        .boxed()
    }

    /// Runs the loop, handing every event to `on_event`, until it gives up; returns the last
    /// error.
    pub async fn run(self, mut on_event: impl FnMut(&HeartbeatEvent) + Send) -> NearlyError {
        let mut events = self.into_stream();
        let mut last = None;
        while let Some(event) = events.next().await {
            on_event(&event);
            if let HeartbeatEvent::GaveUp { error, .. } = event {
                last = Some(error);
            }
        }
        last.unwrap_or_else(|| NearlyError::InvalidInput("heartbeat loop ended".into()))
    }
}
