//! The caller's side of the PC/SC reader service: [`PcscHandle`]'s async requests, each awaited with a bound, and
//! [`PcscCard`], a card session usable from async code or as a blocking [`CardTransport`].

use std::sync::mpsc as std_mpsc;
use std::time::{Duration, Instant};

use tokio::sync::{mpsc, oneshot};
use tracing::debug;

use super::CardTransport;
use super::pcsc_request::{CardPresence, ReaderSelection, Reply, Request};
use crate::{Error, Operation};

/// How often a blocking caller retries to queue a request while the request channel is full.
const QUEUE_RETRY: Duration = Duration::from_millis(2);

/// An async handle on the PC/SC reader service. Cheap to clone; every method waits with a bound.
#[derive(Debug, Clone)]
pub struct PcscHandle {
    pub(super) requests: mpsc::Sender<Request>,
    pub(super) request_timeout: Duration,
}

impl PcscHandle {
    async fn call<T>(
        &self,
        operation: Operation,
        bound: Duration,
        request: impl FnOnce(Reply<T>) -> Request,
    ) -> Result<T, Error> {
        let deadline = tokio::time::Instant::now() + bound;
        let (tx, rx) = oneshot::channel();
        match tokio::time::timeout_at(deadline, self.requests.send(request(Reply::Async(tx)))).await {
            Err(_) => return Err(Error::Timeout { operation, after: bound }),
            Ok(Err(_)) => return Err(Error::ReaderServiceStopped),
            Ok(Ok(())) => {}
        }
        match tokio::time::timeout_at(deadline, rx).await {
            Err(_) => Err(Error::Timeout { operation, after: bound }),
            Ok(Err(_)) => Err(Error::ReaderServiceStopped),
            Ok(Ok(result)) => result,
        }
    }

    /// The names of the readers PC/SC knows now (empty when there is none).
    ///
    /// # Errors
    /// [`Error::ServiceUnavailable`] when pcscd is not running, [`Error::Timeout`] or
    /// [`Error::ReaderServiceStopped`] when the service thread does not answer.
    pub async fn list_readers(&self) -> Result<Vec<String>, Error> {
        self.call(Operation::ListReaders, self.request_timeout, |reply| Request::ListReaders { reply }).await
    }

    /// Waits up to `timeout` for a card in the selected reader(s); `None` when none came. Returns at once when a card
    /// is already there. Dropping the future frees the service within a fraction of a second.
    ///
    /// # Errors
    /// [`Error::ServiceUnavailable`] when pcscd is not running, [`Error::Timeout`] or
    /// [`Error::ReaderServiceStopped`] when the service thread does not answer.
    pub async fn wait_for_card(
        &self,
        which: &ReaderSelection,
        timeout: Duration,
    ) -> Result<Option<CardPresence>, Error> {
        let which = which.clone();
        self.call(Operation::WaitForCard, timeout + self.request_timeout, |reply| Request::WaitForCard {
            which,
            timeout,
            reply,
        })
        .await
    }

    /// Waits up to `timeout` for the reader to be empty; `true` when it is (or the reader itself left).
    ///
    /// # Errors
    /// [`Error::ServiceUnavailable`] when pcscd is not running, [`Error::Timeout`] or
    /// [`Error::ReaderServiceStopped`] when the service thread does not answer.
    pub async fn wait_for_removal(&self, reader: &str, timeout: Duration) -> Result<bool, Error> {
        let reader = reader.to_owned();
        self.call(Operation::WaitForRemoval, timeout + self.request_timeout, |reply| Request::WaitForRemoval {
            reader,
            timeout,
            reply,
        })
        .await
    }

    /// Opens a shared session (T=1 or T=0, as the card offers) with the card in the selected reader.
    ///
    /// # Errors
    /// [`Error::NoReader`], [`Error::UnknownReader`] or [`Error::NoCard`] when there is nothing to connect to,
    /// [`Error::ServiceUnavailable`] when pcscd is not running, [`Error::Timeout`] or [`Error::Reader`] otherwise.
    pub async fn connect(&self, which: &ReaderSelection) -> Result<PcscCard, Error> {
        let which = which.clone();
        let connected =
            self.call(Operation::Connect, self.request_timeout, |reply| Request::Connect { which, reply }).await?;
        Ok(PcscCard {
            handle: self.clone(),
            session: connected.session,
            reader: connected.reader,
            atr: connected.atr,
            open: true,
        })
    }
}

/// A session with a card through the PC/SC reader service.
///
/// Use [`PcscCard::transmit_async`] from async code, or the blocking [`CardTransport`] implementation from
/// `tokio::task::spawn_blocking`. Dropping it ends the session (the card is reset) without waiting.
#[derive(Debug)]
pub struct PcscCard {
    handle: PcscHandle,
    session: u64,
    reader: String,
    atr: Vec<u8>,
    open: bool,
}

impl PcscCard {
    /// Sends one command APDU and returns the response APDU.
    ///
    /// # Errors
    /// [`Error::CardRemoved`] when the card left the reader, [`Error::ServiceUnavailable`] when pcscd went away,
    /// [`Error::NotConnected`] when the session was dropped with a lost pcscd, [`Error::Timeout`] when the card did
    /// not answer within the configured bound, [`Error::Reader`] otherwise.
    pub async fn transmit_async(&self, apdu: &[u8]) -> Result<Vec<u8>, Error> {
        let (session, reader, apdu) = (self.session, self.reader.clone(), apdu.to_vec());
        self.handle
            .call(Operation::Transmit, self.handle.request_timeout, |reply| Request::Transmit {
                session,
                reader,
                apdu,
                reply,
            })
            .await
    }

    /// Ends the session and resets the card, so that its secure-messaging keys are gone.
    ///
    /// # Errors
    /// [`Error::ServiceUnavailable`], [`Error::Timeout`] or [`Error::Reader`] when the reader could not end it; the
    /// session is forgotten all the same.
    pub async fn disconnect(mut self) -> Result<(), Error> {
        self.open = false;
        let (session, reader) = (self.session, self.reader.clone());
        self.handle
            .call(Operation::Disconnect, self.handle.request_timeout, |reply| Request::Disconnect {
                session,
                reader,
                reply: Some(reply),
            })
            .await
    }

    /// The card's answer to reset.
    #[must_use]
    pub fn atr(&self) -> &[u8] {
        &self.atr
    }

    /// The name of the reader the card is in.
    #[must_use]
    pub fn reader_name(&self) -> &str {
        &self.reader
    }
}

impl CardTransport for PcscCard {
    fn transmit(&mut self, apdu: &[u8]) -> Result<Vec<u8>, Error> {
        let bound = self.handle.request_timeout;
        let deadline = Instant::now() + bound;
        let timeout = Error::Timeout { operation: Operation::Transmit, after: bound };
        let (tx, rx) = std_mpsc::sync_channel(1);
        let mut request = Request::Transmit {
            session: self.session,
            reader: self.reader.clone(),
            apdu: apdu.to_vec(),
            reply: Reply::Blocking(tx),
        };
        // tokio's `blocking_send` has no bound, so a full queue is retried until the deadline.
        loop {
            match self.handle.requests.try_send(request) {
                Ok(()) => break,
                Err(mpsc::error::TrySendError::Closed(_)) => return Err(Error::ReaderServiceStopped),
                Err(mpsc::error::TrySendError::Full(back)) => {
                    if Instant::now() >= deadline {
                        return Err(timeout);
                    }
                    request = back;
                    std::thread::sleep(QUEUE_RETRY);
                }
            }
        }
        match rx.recv_timeout(deadline.saturating_duration_since(Instant::now())) {
            Ok(result) => result,
            Err(std_mpsc::RecvTimeoutError::Timeout) => Err(timeout),
            Err(std_mpsc::RecvTimeoutError::Disconnected) => Err(Error::ReaderServiceStopped),
        }
    }

    fn atr(&self) -> &[u8] {
        &self.atr
    }

    fn reader_name(&self) -> &str {
        &self.reader
    }
}

impl Drop for PcscCard {
    fn drop(&mut self) {
        if self.open {
            // Best effort without waiting: when the queue is full or the service gone, the session dies with it.
            let request = Request::Disconnect { session: self.session, reader: self.reader.clone(), reply: None };
            if self.handle.requests.try_send(request).is_err() {
                debug!(reader = %self.reader, "could not queue the disconnect of a dropped card session");
            }
        }
    }
}
