//! What passes between the async handles and the PC/SC service thread: the requests, the channel each answer goes
//! back on, and the values they carry.

use std::sync::mpsc as std_mpsc;
use std::time::Duration;

use tokio::sync::oneshot;

use crate::Error;

/// Which reader a card is looked for in.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum ReaderSelection {
    /// The first reader, in PC/SC's order, that holds a card.
    #[default]
    FirstWithCard,
    /// The reader with this name; when no name is equal, the first reader whose name starts with it (PC/SC appends
    /// slot numbers such as `" 00 00"` to the reader's name).
    Named(String),
}

/// A card seen in a reader.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CardPresence {
    /// The reader's name.
    pub reader: String,
    /// The card's answer to reset.
    pub atr: Vec<u8>,
}

/// Where a request's answer goes: an async caller's oneshot or a blocking caller's channel.
pub(super) enum Reply<T> {
    Async(oneshot::Sender<Result<T, Error>>),
    Blocking(std_mpsc::SyncSender<Result<T, Error>>),
}

impl<T> Reply<T> {
    pub(super) fn send(self, result: Result<T, Error>) {
        // A caller that stopped waiting has dropped its receiver; its answer has nowhere to go.
        match self {
            Self::Async(tx) => drop(tx.send(result)),
            Self::Blocking(tx) => drop(tx.send(result)),
        }
    }

    /// Whether the caller gave up waiting, so a long wait can stop early.
    pub(super) fn is_abandoned(&self) -> bool {
        match self {
            Self::Async(tx) => tx.is_closed(),
            Self::Blocking(_) => false,
        }
    }
}

/// A card session opened by the service.
pub(super) struct Connected {
    pub(super) session: u64,
    pub(super) reader: String,
    pub(super) atr: Vec<u8>,
}

pub(super) enum Request {
    ListReaders { reply: Reply<Vec<String>> },
    WaitForCard { which: ReaderSelection, timeout: Duration, reply: Reply<Option<CardPresence>> },
    WaitForRemoval { reader: String, timeout: Duration, reply: Reply<bool> },
    Connect { which: ReaderSelection, reply: Reply<Connected> },
    Transmit { session: u64, reader: String, apdu: Vec<u8>, reply: Reply<Vec<u8>> },
    Disconnect { session: u64, reader: String, reply: Option<Reply<()>> },
}

impl std::fmt::Debug for Request {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // APDUs carry personal data: only their length is shown.
        match self {
            Self::ListReaders { .. } => f.write_str("ListReaders"),
            Self::WaitForCard { which, timeout, .. } => write!(f, "WaitForCard({which:?}, {timeout:?})"),
            Self::WaitForRemoval { reader, timeout, .. } => write!(f, "WaitForRemoval({reader:?}, {timeout:?})"),
            Self::Connect { which, .. } => write!(f, "Connect({which:?})"),
            Self::Transmit { session, apdu, .. } => write!(f, "Transmit(session {session}, {} bytes)", apdu.len()),
            Self::Disconnect { session, .. } => write!(f, "Disconnect(session {session})"),
        }
    }
}
