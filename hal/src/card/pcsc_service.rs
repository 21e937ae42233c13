//! The PC/SC back end: a thread that owns the `pcsc` context and serves requests from async handles.
//!
//! The `pcsc` crate (over libpcsclite) blocks the calling thread, so [`PcscReader`] runs every call on a thread of its
//! own and takes requests from a bounded channel; each request carries a reply channel. Waits for a card are cut into
//! short slices of `SCardGetStatusChange` so that a caller who gives up frees the thread quickly, and every reply is
//! awaited with a bound. When the PC/SC service goes away (pcscd stopped or restarted), the thread drops its context
//! and its sessions and connects afresh on the next request.

use std::collections::HashMap;
use std::ffi::CString;
use std::time::{Duration, Instant};

use pcsc::{Context, Disposition, Protocols, ReaderState, Scope, ShareMode, State};
use tokio::sync::mpsc;
use tracing::{debug, trace, warn};

use super::Hex;
use super::pcsc_handle::PcscHandle;
use super::pcsc_request::{CardPresence, Connected, ReaderSelection, Reply, Request};
use crate::{Error, Operation};

/// How long one `SCardGetStatusChange` call may block: the delay before the thread notices that a waiting caller
/// gave up, or that a new reader appeared.
const STATUS_SLICE: Duration = Duration::from_millis(200);

/// How long a failed transmit waits for the reader to show whether the card left: pcscd polls a reader without
/// presence events every 400 ms.
const REMOVAL_CONFIRMATION: Duration = Duration::from_secs(1);

/// Settings of the PC/SC reader service.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct PcscConfig {
    /// How many requests may wait for the service thread.
    pub queue_depth: usize,
    /// The bound on one request (connect, transmit, list, disconnect) from queueing to answer. A card that does not
    /// answer within it gives [`Error::Timeout`].
    pub request_timeout: Duration,
}

impl Default for PcscConfig {
    fn default() -> Self {
        Self { queue_depth: 8, request_timeout: Duration::from_secs(20) }
    }
}

struct Session {
    card: pcsc::Card,
    reader: String,
}

/// The PC/SC reader service: owns the `pcsc` context and the card sessions on a thread of its own.
///
/// Start it with [`PcscReader::spawn`] and talk to it through the returned [`PcscHandle`]. The thread ends when the
/// last handle and the last [`PcscCard`](super::PcscCard) are dropped.
pub struct PcscReader {
    context: Option<Context>,
    sessions: HashMap<u64, Session>,
    next_session: u64,
    /// Large enough for an extended-length response (65536 data bytes and the status word).
    receive_buffer: Vec<u8>,
}

impl std::fmt::Debug for PcscReader {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PcscReader")
            .field("connected_to_service", &self.context.is_some())
            .field("sessions", &self.sessions.len())
            .finish_non_exhaustive()
    }
}

impl PcscReader {
    /// Starts the service thread. The PC/SC service is contacted on the first request, so the gate can start before
    /// pcscd does.
    ///
    /// # Errors
    /// [`Error::Spawn`] when the thread cannot be started.
    pub fn spawn(config: PcscConfig) -> Result<PcscHandle, Error> {
        let (tx, rx) = mpsc::channel(config.queue_depth.max(1));
        let service = Self {
            context: None,
            sessions: HashMap::new(),
            next_session: 1,
            receive_buffer: vec![0; pcsc::MAX_BUFFER_SIZE_EXTENDED],
        };
        let span = tracing::info_span!("pcsc_reader");
        std::thread::Builder::new()
            .name("pcsc-reader".to_owned())
            .spawn(move || span.in_scope(|| service.run(rx)))
            .map_err(|source| Error::Spawn { name: "pcsc-reader", source })?;
        Ok(PcscHandle { requests: tx, request_timeout: config.request_timeout })
    }

    fn run(mut self, mut requests: mpsc::Receiver<Request>) {
        debug!("reader service started");
        while let Some(request) = requests.blocking_recv() {
            self.serve(request);
        }
        for (_, session) in self.sessions.drain() {
            if let Err((_, error)) = session.card.disconnect(Disposition::ResetCard) {
                debug!(reader = %session.reader, %error, "disconnect at shutdown failed");
            }
        }
        debug!("reader service stopped");
    }

    fn serve(&mut self, request: Request) {
        match request {
            Request::ListReaders { reply } => {
                let result = self.list_readers();
                reply.send(result);
            }
            Request::WaitForCard { which, timeout, reply } => {
                let result = self.wait_for_card(&which, timeout, &reply);
                reply.send(result);
            }
            Request::WaitForRemoval { reader, timeout, reply } => {
                let result = self.wait_for_removal(&reader, timeout, &reply);
                reply.send(result);
            }
            Request::Connect { which, reply } => {
                let result = self.connect(&which);
                reply.send(result);
            }
            Request::Transmit { session, reader, apdu, reply } => {
                let result = self.transmit(session, &reader, &apdu);
                reply.send(result);
            }
            Request::Disconnect { session, reader, reply } => {
                let result = self.disconnect(session, &reader);
                if let Some(reply) = reply {
                    reply.send(result);
                } else if let Err(error) = result {
                    debug!(%reader, %error, "disconnect of a dropped card session failed");
                }
            }
        }
    }

    /// Turns a `pcsc` error into ours, and forgets the context when the service is gone so that the next request
    /// connects to a restarted pcscd.
    fn fail(&mut self, error: pcsc::Error, operation: Operation, reader: Option<&str>) -> Error {
        let mapped = map_error(error, operation, reader);
        if matches!(mapped, Error::ServiceUnavailable { .. }) {
            if self.context.is_some() {
                warn!(%operation, %error, "lost the PC/SC service; dropping the context and its card sessions");
            }
            self.context = None;
            self.sessions.clear();
        }
        mapped
    }

    fn context(&mut self) -> Result<Context, Error> {
        if let Some(context) = &self.context {
            return Ok(context.clone());
        }
        match Context::establish(Scope::User) {
            Ok(context) => {
                debug!("connected to the PC/SC service");
                self.context = Some(context.clone());
                Ok(context)
            }
            Err(error) => Err(self.fail(error, Operation::EstablishContext, None)),
        }
    }

    fn reader_names(&mut self, operation: Operation) -> Result<Vec<CString>, Error> {
        let context = self.context()?;
        match context.list_readers_owned() {
            Ok(names) => Ok(names),
            Err(pcsc::Error::NoReadersAvailable) => Ok(Vec::new()),
            Err(error) => Err(self.fail(error, operation, None)),
        }
    }

    fn list_readers(&mut self) -> Result<Vec<String>, Error> {
        Ok(self.reader_names(Operation::ListReaders)?.iter().map(|n| n.to_string_lossy().into_owned()).collect())
    }

    /// The readers a selection covers, among those PC/SC lists now.
    fn candidates(&mut self, which: &ReaderSelection, operation: Operation) -> Result<Vec<CString>, Error> {
        let names = self.reader_names(operation)?;
        Ok(match which {
            ReaderSelection::FirstWithCard => names,
            ReaderSelection::Named(wanted) => resolve_name(names, wanted).into_iter().collect(),
        })
    }

    fn wait_for_card(
        &mut self,
        which: &ReaderSelection,
        timeout: Duration,
        reply: &Reply<Option<CardPresence>>,
    ) -> Result<Option<CardPresence>, Error> {
        let deadline = Instant::now() + timeout;
        let mut states: Vec<ReaderState> = Vec::new();
        loop {
            let names = self.candidates(which, Operation::WaitForCard)?;
            if states.len() != names.len() || states.iter().zip(&names).any(|(s, n)| s.name() != n.as_c_str()) {
                // The reader list changed: learn every reader's state afresh.
                states = names.into_iter().map(|n| ReaderState::new(n, State::UNAWARE)).collect();
            }
            let slice = STATUS_SLICE.min(deadline.saturating_duration_since(Instant::now()));
            if states.is_empty() {
                // Nothing to wait on: PC/SC has no reader (or not the named one) yet; look again after a slice.
                std::thread::sleep(slice);
            } else {
                let context = self.context()?;
                match context.get_status_change(slice, &mut states) {
                    Ok(()) => {
                        if let Some(present) = states.iter().find(|s| has_usable_card(s.event_state())) {
                            let presence = CardPresence {
                                reader: present.name().to_string_lossy().into_owned(),
                                atr: present.atr().to_vec(),
                            };
                            debug!(reader = %presence.reader, "card present");
                            return Ok(Some(presence));
                        }
                        states.iter_mut().for_each(ReaderState::sync_current_state);
                    }
                    Err(pcsc::Error::Timeout) => {}
                    // A reader left between listing and waiting: list again.
                    Err(pcsc::Error::UnknownReader | pcsc::Error::ReaderUnavailable) => states.clear(),
                    Err(error) => return Err(self.fail(error, Operation::WaitForCard, None)),
                }
            }
            if Instant::now() >= deadline || reply.is_abandoned() {
                return Ok(None);
            }
        }
    }

    fn wait_for_removal(&mut self, reader: &str, timeout: Duration, reply: &Reply<bool>) -> Result<bool, Error> {
        let deadline = Instant::now() + timeout;
        let name = CString::new(reader).map_err(|_| Error::UnknownReader { reader: reader.to_owned() })?;
        let mut states = [ReaderState::new(name, State::UNAWARE)];
        loop {
            let context = self.context()?;
            let slice = STATUS_SLICE.min(deadline.saturating_duration_since(Instant::now()));
            match context.get_status_change(slice, &mut states) {
                Ok(()) => {
                    let [state] = &mut states;
                    let event = state.event_state();
                    if event.intersects(State::EMPTY | State::UNKNOWN | State::UNAVAILABLE) {
                        debug!(%reader, "card removed");
                        return Ok(true);
                    }
                    state.sync_current_state();
                }
                Err(pcsc::Error::Timeout) => {}
                // The reader itself left, and the card with it.
                Err(pcsc::Error::UnknownReader | pcsc::Error::ReaderUnavailable) => return Ok(true),
                Err(error) => return Err(self.fail(error, Operation::WaitForRemoval, Some(reader))),
            }
            if Instant::now() >= deadline || reply.is_abandoned() {
                return Ok(false);
            }
        }
    }

    fn connect(&mut self, which: &ReaderSelection) -> Result<Connected, Error> {
        let candidates = self.candidates(which, Operation::Connect)?;
        let reader = match which {
            ReaderSelection::Named(wanted) => {
                candidates.into_iter().next().ok_or_else(|| Error::UnknownReader { reader: wanted.clone() })?
            }
            ReaderSelection::FirstWithCard => {
                if candidates.is_empty() {
                    return Err(Error::NoReader);
                }
                let context = self.context()?;
                let mut states: Vec<ReaderState> =
                    candidates.into_iter().map(|n| ReaderState::new(n, State::UNAWARE)).collect();
                // With every state UNAWARE the call answers at once with the current states.
                if let Err(error) = context.get_status_change(Duration::ZERO, &mut states) {
                    return Err(self.fail(error, Operation::Connect, None));
                }
                let present = states.iter().find(|s| has_usable_card(s.event_state()));
                present.map(|s| s.name().to_owned()).ok_or(Error::NoCard { reader: None })?
            }
        };
        let reader_name = reader.to_string_lossy().into_owned();
        let context = self.context()?;
        let card = match context.connect(&reader, ShareMode::Shared, Protocols::T0 | Protocols::T1) {
            Ok(card) => card,
            Err(error) => return Err(self.fail(error, Operation::Connect, Some(&reader_name))),
        };
        let status = match card.status2_owned() {
            Ok(status) => status,
            Err(error) => return Err(self.fail(error, Operation::Connect, Some(&reader_name))),
        };
        let session = self.next_session;
        self.next_session = self.next_session.wrapping_add(1);
        let atr = status.atr().to_vec();
        debug!(reader = %reader_name, session, protocol = ?status.protocol2(), atr = %Hex(&atr), "connected to the card");
        self.sessions.insert(session, Session { card, reader: reader_name.clone() });
        Ok(Connected { session, reader: reader_name, atr })
    }

    fn transmit(&mut self, session: u64, reader: &str, apdu: &[u8]) -> Result<Vec<u8>, Error> {
        let Some(open) = self.sessions.get(&session) else {
            return Err(Error::NotConnected { reader: reader.to_owned() });
        };
        trace!(%reader, apdu = %Hex(apdu), ">>");
        let started = Instant::now();
        match open.card.transmit(apdu, &mut self.receive_buffer) {
            Ok(response) if response.len() >= 2 => {
                trace!(%reader, apdu = %Hex(response), elapsed_us = started.elapsed().as_micros(), "<<");
                Ok(response.to_vec())
            }
            Ok(response) => {
                // vpcd answers so when the card leaves during the exchange.
                let invalid = Error::InvalidResponse { reader: reader.to_owned(), len: response.len() };
                debug!(%reader, len = response.len(), "response without a status word");
                if self.card_left(reader) {
                    return Err(Error::CardRemoved {
                        reader: reader.to_owned(),
                        operation: Operation::Transmit,
                        source: Box::new(invalid),
                    });
                }
                Err(invalid)
            }
            Err(error) => {
                debug!(%reader, %error, "transmit failed");
                let mapped = self.fail(error, Operation::Transmit, Some(reader));
                if matches!(mapped, Error::Reader { .. }) && self.card_left(reader) {
                    return Err(Error::CardRemoved {
                        reader: reader.to_owned(),
                        operation: Operation::Transmit,
                        source: Box::new(error),
                    });
                }
                Err(mapped)
            }
        }
    }

    /// Whether the reader turns empty within [`REMOVAL_CONFIRMATION`]. A card pulled away mid-exchange often shows
    /// first as a failed transmit (vpcd: `NotTransacted`), before pcscd's presence poll has seen the reader empty.
    fn card_left(&mut self, reader: &str) -> bool {
        let (Ok(context), Ok(name)) = (self.context(), CString::new(reader)) else {
            return false;
        };
        let mut states = [ReaderState::new(name, State::UNAWARE)];
        let deadline = Instant::now() + REMOVAL_CONFIRMATION;
        loop {
            let slice = STATUS_SLICE.min(deadline.saturating_duration_since(Instant::now()));
            match context.get_status_change(slice, &mut states) {
                Ok(()) => {
                    let [state] = &mut states;
                    if state.event_state().intersects(State::EMPTY | State::UNKNOWN | State::UNAVAILABLE) {
                        return true;
                    }
                    state.sync_current_state();
                }
                Err(pcsc::Error::Timeout) => {}
                Err(pcsc::Error::UnknownReader | pcsc::Error::ReaderUnavailable) => return true,
                Err(_) => return false,
            }
            if Instant::now() >= deadline {
                return false;
            }
        }
    }

    fn disconnect(&mut self, session: u64, reader: &str) -> Result<(), Error> {
        let Some(open) = self.sessions.remove(&session) else {
            // Already gone with the PC/SC service: nothing is left to close.
            return Ok(());
        };
        // A reset drops the chip's secure-messaging keys, so the next session starts from scratch.
        match open.card.disconnect(Disposition::ResetCard) {
            Ok(()) => {
                debug!(%reader, session, "disconnected from the card");
                Ok(())
            }
            Err((_, pcsc::Error::RemovedCard | pcsc::Error::NoSmartcard | pcsc::Error::ResetCard)) => Ok(()),
            Err((_, error)) => Err(self.fail(error, Operation::Disconnect, Some(reader))),
        }
    }
}

/// A card is usable when one is present and it answered to reset.
fn has_usable_card(state: State) -> bool {
    state.contains(State::PRESENT) && !state.contains(State::MUTE)
}

fn resolve_name(names: Vec<CString>, wanted: &str) -> Option<CString> {
    let wanted = wanted.as_bytes();
    if let Some(exact) = names.iter().find(|n| n.as_bytes() == wanted) {
        return Some(exact.clone());
    }
    names.into_iter().find(|n| n.as_bytes().starts_with(wanted))
}

fn map_error(error: pcsc::Error, operation: Operation, reader: Option<&str>) -> Error {
    use pcsc::Error as P;
    let reader_owned = || reader.map(str::to_owned);
    match error {
        // libpcsclite reports pcscd closing the connection under it (pcscd stopping, or refusing the client) as a
        // security violation.
        P::NoService | P::ServiceStopped | P::CommError | P::Shutdown | P::SecurityViolation => {
            Error::ServiceUnavailable { operation, source: Box::new(error) }
        }
        P::NoReadersAvailable => Error::NoReader,
        P::UnknownReader | P::ReaderUnavailable => match reader_owned() {
            Some(reader) => Error::UnknownReader { reader },
            None => Error::NoReader,
        },
        P::RemovedCard | P::ResetCard | P::NoSmartcard => match operation {
            Operation::Connect | Operation::WaitForCard | Operation::ListReaders | Operation::EstablishContext => {
                Error::NoCard { reader: reader_owned() }
            }
            _ => Error::CardRemoved { reader: reader_owned().unwrap_or_default(), operation, source: Box::new(error) },
        },
        _ => Error::Reader { operation, source: Box::new(error) },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(list: &[&str]) -> Vec<CString> {
        list.iter().map(|n| CString::new(*n).unwrap()).collect()
    }

    #[test]
    fn exact_reader_name_wins_over_prefix() {
        let list = names(&["Virtual PCD 00 00", "Virtual PCD 00 01", "Virtual PCD"]);
        assert_eq!(resolve_name(list.clone(), "Virtual PCD").unwrap().to_str().unwrap(), "Virtual PCD");
        assert_eq!(resolve_name(list.clone(), "Virtual PCD 00 01").unwrap().to_str().unwrap(), "Virtual PCD 00 01");
        assert!(resolve_name(list, "ACS").is_none());
    }

    #[test]
    fn prefix_selects_the_first_matching_reader() {
        let list = names(&["ACS ACR122U 00 00", "Virtual PCD 00 00", "Virtual PCD 00 01"]);
        assert_eq!(resolve_name(list, "Virtual").unwrap().to_str().unwrap(), "Virtual PCD 00 00");
    }

    #[test]
    fn removal_during_transmit_is_its_own_error() {
        for e in [pcsc::Error::RemovedCard, pcsc::Error::ResetCard, pcsc::Error::NoSmartcard] {
            let mapped = map_error(e, Operation::Transmit, Some("r"));
            assert!(matches!(mapped, Error::CardRemoved { ref reader, .. } if reader == "r"), "{mapped:?}");
        }
        assert!(matches!(map_error(pcsc::Error::NoSmartcard, Operation::Connect, None), Error::NoCard { .. }));
    }

    #[test]
    fn service_errors_are_told_apart() {
        for e in [pcsc::Error::NoService, pcsc::Error::ServiceStopped, pcsc::Error::SecurityViolation] {
            assert!(matches!(map_error(e, Operation::Transmit, None), Error::ServiceUnavailable { .. }));
        }
        let other = map_error(pcsc::Error::ProtoMismatch, Operation::Connect, None);
        assert!(matches!(other, Error::Reader { .. }));
        assert!(std::error::Error::source(&other).is_some());
    }
}
