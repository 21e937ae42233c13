//! The trust store of Passive Authentication: CSCA certificates (ICAO 9303-12 §5.1, §7.1.1) from signed master
//! lists (9303-12 §9), from certificate files (DER or PEM, one or many per file) and from unsigned lists, link
//! certificates, and the CSCAs' CRLs (9303-12 §7.1.4).
//!
//! ```text
//! CscaMasterList ::= SEQUENCE { version CscaMasterListVersion, certList SET OF Certificate }
//! CscaMasterListVersion ::= INTEGER { v0(0) }
//! ```
//! A master list is CMS SignedData with eContentType id-icao-cscaMasterList (2.23.136.1.1.2), signed by a Master
//! List Signer whose certificate travels in the SignedData's `certificates`. Its CSCAs are trusted only once its
//! signature verifies and the signer's certificate was issued by a CSCA trusted already: a certificate given
//! directly (the German list is signed under DE_ROOT_CA_CSCA07, the Dutch one under NL_ROOT_CA), or one from another
//! list that verified. A list can never vouch for itself.
//!
//! Any certificate given is a candidate issuer; it is trusted when it is self-signed, or when it chains to a
//! self-signed one through certificates of the store. That is how a link certificate works: issued under the
//! previous CSCA key, it certifies the next one (9303-12 §5.1.1), so a store holding the 2010 Indonesian CSCA and
//! the 2016 and 2020 links trusts DSCs signed with the 2020 key.
//!
//! The store checks signatures only when a document asks for a chain, so that loading a thousand CSCAs costs no
//! more than reading them.

use std::collections::HashSet;

use super::ber::{Node, Tag};
use super::cert::{Cert, Crl, SignatureCheck};
use super::oid;
use super::signature::Failure;
use super::signed_data::{self, SignedData};
use crate::error::{BerError, Error, PaError};

/// The longest chain followed from a DSC's issuer to a self-signed CSCA: CSCA, then up to three link certificates.
const MAX_CHAIN: usize = 4;
/// The most certificates a store holds.
const MAX_CERTIFICATES: usize = 100_000;
/// The most PEM blocks read from one file.
const MAX_PEM_BLOCKS: usize = 20_000;

/// What a trust source turned out to be.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum SourceKind {
    /// One certificate.
    Certificate,
    /// PEM with one or more certificates or CRLs.
    Pem,
    /// A signed CSCA master list (9303-12 §9).
    MasterList,
    /// A CscaMasterList without its CMS signature.
    UnsignedMasterList,
    /// A CRL.
    Crl,
}

impl SourceKind {
    /// A snake_case name.
    pub fn as_str(self) -> &'static str {
        match self {
            SourceKind::Certificate => "certificate",
            SourceKind::Pem => "pem",
            SourceKind::MasterList => "master_list",
            SourceKind::UnsignedMasterList => "unsigned_master_list",
            SourceKind::Crl => "crl",
        }
    }
}

/// Whether a source's certificates are in the store.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum SourceStatus {
    /// Given directly: its certificates are candidates, trusted when self-signed or chained.
    Loaded,
    /// A master list not checked yet: [`TrustStoreBuilder::build`] checks it.
    Pending,
    /// A master list whose signature verified and whose signer chains to a trusted CSCA.
    Verified {
        /// The Master List Signer's subject.
        signer: String,
    },
    /// A master list left out.
    Rejected {
        /// Why.
        reason: String,
    },
}

/// One file or blob given to the store, and what came of it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Source {
    /// The caller's name for it (a path).
    pub label: String,
    /// What it is.
    pub kind: SourceKind,
    /// Certificates read from it.
    pub certificates: usize,
    /// CRLs read from it.
    pub crls: usize,
    /// Entries that could not be read and were skipped.
    pub unreadable: usize,
    /// Whether its certificates are in the store.
    pub status: SourceStatus,
}

/// A master list waiting for its signer to chain.
#[derive(Debug)]
struct PendingList {
    source: usize,
    signed: SignedData,
    certificates: Vec<Cert>,
}

/// Collects trust sources; [`TrustStoreBuilder::build`] checks the master lists' signatures against what the other
/// sources trust, in whatever order they came.
#[derive(Debug, Default)]
pub struct TrustStoreBuilder {
    cas: Vec<Cert>,
    seen: HashSet<[u8; 32]>,
    crls: Vec<Crl>,
    pending: Vec<PendingList>,
    sources: Vec<Source>,
}

/// The trusted CSCAs, link certificates and CRLs.
#[derive(Debug, Default)]
pub struct TrustStore {
    cas: Vec<Cert>,
    crls: Vec<Crl>,
    sources: Vec<Source>,
}

impl TrustStoreBuilder {
    /// An empty builder.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a master list, certificate, PEM bundle or CRL, recognised by its content. `label` names it in reports.
    ///
    /// # Errors
    /// [`PaError`] when the bytes are none of those, or nothing in a PEM file can be read.
    pub fn add(&mut self, label: &str, bytes: &[u8]) -> Result<&Source, Error> {
        if let Some(start) = pem_start(bytes) {
            return self.add_pem(label, bytes.get(start..).unwrap_or_default());
        }
        let (node, used) = Node::parse_prefix(bytes)?;
        // Some certificate files carry a newline or padding after the DER.
        let rest = bytes.get(used..).unwrap_or_default();
        if !rest.iter().all(|b| b.is_ascii_whitespace() || *b == 0) {
            return Err(PaError::Ber(BerError::TrailingBytes { offset: used }).into());
        }
        let source = self.classify(label, &node)?;
        self.sources.push(source);
        self.sources.last().ok_or(PaError::UnknownFormat.into())
    }

    /// Adds a CRL file (DER or PEM).
    ///
    /// # Errors
    /// [`PaError`] when the bytes hold no CRL.
    pub fn add_crl(&mut self, label: &str, bytes: &[u8]) -> Result<&Source, Error> {
        let source = self.add(label, bytes)?;
        if source.crls == 0 || source.kind == SourceKind::MasterList {
            return Err(PaError::Structure { what: "CRL" }.into());
        }
        self.sources.last().ok_or(PaError::UnknownFormat.into())
    }

    fn classify(&mut self, label: &str, node: &Node<'_>) -> Result<Source, Error> {
        let mut source = Source {
            label: label.to_owned(),
            kind: SourceKind::Certificate,
            certificates: 0,
            crls: 0,
            unreadable: 0,
            status: SourceStatus::Loaded,
        };
        let first = node.children().first().filter(|_| node.tag == Tag::SEQUENCE).ok_or(PaError::UnknownFormat)?;
        if first.tag == Tag::OID {
            self.add_signed_list(&mut source, node)?;
        } else if first.tag == Tag::INTEGER && node.children().get(1).is_some_and(|n| n.tag == Tag::SET) {
            source.kind = SourceKind::UnsignedMasterList;
            let certs = list_certificates(node, &mut source.unreadable)?;
            source.certificates = certs.len();
            for cert in certs {
                self.insert(cert);
            }
        } else if let Ok(cert) = Cert::from_node(node) {
            source.certificates = 1;
            self.insert(cert);
        } else if let Ok(crl) = Crl::from_node(node) {
            source.kind = SourceKind::Crl;
            source.crls = 1;
            self.crls.push(crl);
        } else {
            return Err(PaError::UnknownFormat.into());
        }
        Ok(source)
    }

    fn add_signed_list(&mut self, source: &mut Source, node: &Node<'_>) -> Result<(), Error> {
        source.kind = SourceKind::MasterList;
        let signed = SignedData::from_content_info(node)?;
        if signed.econtent_type != oid::CSCA_MASTER_LIST {
            return Err(PaError::ContentType { what: "master list", oid: signed.econtent_type }.into());
        }
        let content = signed.econtent.as_deref().ok_or(PaError::Structure { what: "master list content" })?;
        let list = Node::parse(content)?;
        let certificates = list_certificates(&list, &mut source.unreadable)?;
        source.certificates = certificates.len();
        source.crls = signed.crls.len();
        source.status = SourceStatus::Pending;
        self.pending.push(PendingList { source: self.sources.len(), signed, certificates });
        Ok(())
    }

    fn add_pem(&mut self, label: &str, text: &[u8]) -> Result<&Source, Error> {
        let mut source = Source {
            label: label.to_owned(),
            kind: SourceKind::Pem,
            certificates: 0,
            crls: 0,
            unreadable: 0,
            status: SourceStatus::Loaded,
        };
        let mut rest = text;
        let mut first_error = None;
        let mut blocks = 0;
        while let Some((block, after)) = next_pem_block(rest) {
            rest = after;
            blocks += 1;
            if blocks > MAX_PEM_BLOCKS {
                break;
            }
            let outcome = der::pem::decode_vec(block).map_err(|e| Error::from(PaError::Pem(e))).and_then(|(_, der)| {
                let node = Node::parse(&der)?;
                self.classify(label, &node)
            });
            match outcome {
                Ok(inner) if inner.kind == SourceKind::MasterList => {
                    // The pending list records this source's index; the PEM source stands for it.
                    source.kind = SourceKind::MasterList;
                    source.status = inner.status;
                    source.certificates += inner.certificates;
                    source.crls += inner.crls;
                }
                Ok(inner) => {
                    source.certificates += inner.certificates;
                    source.crls += inner.crls;
                    source.unreadable += inner.unreadable;
                }
                Err(e) => {
                    source.unreadable += 1;
                    first_error.get_or_insert(e);
                }
            }
        }
        if source.certificates == 0 && source.crls == 0 {
            return Err(first_error.unwrap_or(PaError::UnknownFormat.into()));
        }
        self.sources.push(source);
        self.sources.last().ok_or(PaError::UnknownFormat.into())
    }

    fn insert(&mut self, cert: Cert) {
        if self.cas.len() < MAX_CERTIFICATES && self.seen.insert(cert.fingerprint) {
            self.cas.push(cert);
        }
    }

    /// Checks every master list against what is trusted, repeatedly, so that a list signed under a CSCA of another
    /// list is taken once that one is; lists whose signer never chains are rejected.
    pub fn build(mut self) -> TrustStore {
        let mut pending = std::mem::take(&mut self.pending);
        // Each round either takes at least one list or ends.
        for _ in 0..=pending.len() {
            let mut progress = false;
            let mut waiting = Vec::new();
            for list in pending {
                match self.check_list(&list) {
                    ListCheck::Verified(signer) => {
                        progress = true;
                        if let Some(s) = self.sources.get_mut(list.source) {
                            s.status = SourceStatus::Verified { signer };
                        }
                        self.crls.extend(list.signed.crls);
                        for cert in list.certificates {
                            self.insert(cert);
                        }
                    }
                    ListCheck::Rejected(reason) => {
                        if let Some(s) = self.sources.get_mut(list.source) {
                            s.status = SourceStatus::Rejected { reason };
                        }
                    }
                    ListCheck::Waiting => waiting.push(list),
                }
            }
            pending = waiting;
            if !progress {
                break;
            }
        }
        for list in pending {
            if let Some(s) = self.sources.get_mut(list.source) {
                s.status = SourceStatus::Rejected {
                    reason: "the master list signer's certificate does not chain to a trusted CSCA or root".into(),
                };
            }
        }
        TrustStore { cas: self.cas, crls: self.crls, sources: self.sources }
    }

    fn check_list(&self, list: &PendingList) -> ListCheck {
        let check = signed_data::check_signer(&list.signed, &[]);
        if let Some(reason) = check.reasons.first() {
            return ListCheck::Rejected(format!("its signature does not check: {}", reason.message));
        }
        let Some((signer, _)) = check.signer else {
            return ListCheck::Rejected("no signer certificate".into());
        };
        let subject = signer.cert.tbs_certificate().subject().to_string();
        if self.cas.iter().any(|c| c.fingerprint == signer.fingerprint && anchored(&self.cas, c)) {
            return ListCheck::Verified(subject);
        }
        match find_issuer(&self.cas, signer) {
            IssuerSearch::Found(_) => ListCheck::Verified(subject),
            IssuerSearch::BadSignature(_, why) => {
                ListCheck::Rejected(format!("the signer's certificate does not verify under its CSCA: {why}"))
            }
            IssuerSearch::Unverifiable(_, why) => {
                ListCheck::Rejected(format!("the signer's certificate cannot be verified: {why}"))
            }
            IssuerSearch::NotAnchored(_) | IssuerSearch::NotFound => ListCheck::Waiting,
        }
    }
}

enum ListCheck {
    Verified(String),
    Rejected(String),
    Waiting,
}

impl TrustStore {
    /// A builder.
    pub fn builder() -> TrustStoreBuilder {
        TrustStoreBuilder::new()
    }

    /// The sources given, with what came of each.
    pub fn sources(&self) -> &[Source] {
        &self.sources
    }

    /// Number of distinct certificates held (CSCAs, link certificates, and anything else given).
    pub fn len(&self) -> usize {
        self.cas.len()
    }

    /// True when the store holds no certificate.
    pub fn is_empty(&self) -> bool {
        self.cas.is_empty()
    }

    /// Number of CRLs held.
    pub fn crl_count(&self) -> usize {
        self.crls.len()
    }

    pub(crate) fn certificates(&self) -> &[Cert] {
        &self.cas
    }

    pub(crate) fn find_issuer(&self, child: &Cert) -> IssuerSearch<'_> {
        find_issuer(&self.cas, child)
    }

    /// Looks up `dsc` on the CRLs its issuer signed. CRLs whose signature does not verify under `csca` (or another
    /// trusted CA of that name) are ignored and reported in `notes`.
    pub(crate) fn is_revoked(&self, dsc: &Cert, csca: &Cert, notes: &mut Vec<String>) -> bool {
        let mut revoked = false;
        for crl in self.crls.iter().filter(|c| c.issuer_key == dsc.issuer_key) {
            let verified = crl.verify_signed_by(csca).is_ok()
                || self
                    .cas
                    .iter()
                    .filter(|ca| ca.subject_key == crl.issuer_key && ca.fingerprint != csca.fingerprint)
                    .any(|ca| crl.verify_signed_by(ca).is_ok() && anchored(&self.cas, ca));
            if !verified {
                notes.push(format!(
                    "a CRL of {} was ignored: its signature does not verify under a trusted CSCA",
                    crl.crl.tbs_cert_list.issuer
                ));
                continue;
            }
            revoked |= crl.revoked.contains(&dsc.serial);
        }
        revoked
    }
}

/// Where the search for a certificate's issuer ended.
#[derive(Debug)]
pub(crate) enum IssuerSearch<'a> {
    /// A trusted CA whose key verifies the certificate.
    Found(&'a Cert),
    /// A CA verifies the certificate but does not chain to a self-signed CSCA.
    NotAnchored(&'a Cert),
    /// The CA the certificate names by key identifier does not verify it.
    BadSignature(&'a Cert, SignatureCheck),
    /// A CA of the issuer's name uses an algorithm or key that cannot be verified here.
    Unverifiable(&'a Cert, SignatureCheck),
    /// No CA of the issuer's name or key identifier.
    NotFound,
}

/// The CA in `cas` that issued `child`, preferring a trusted one.
pub(crate) fn find_issuer<'a>(cas: &'a [Cert], child: &Cert) -> IssuerSearch<'a> {
    let mut fallback = IssuerSearch::NotFound;
    let candidates = cas
        .iter()
        .filter(|ca| ca.fingerprint != child.fingerprint && (ca.may_have_issued(child) || ca.key_id_names(child)));
    for ca in candidates {
        match child.verify_signed_by(ca) {
            Ok(()) if anchored(cas, ca) => return IssuerSearch::Found(ca),
            Ok(()) => fallback = IssuerSearch::NotAnchored(ca),
            Err(e @ SignatureCheck::Failed(Failure::Mismatch)) => {
                if ca.key_id_names(child) && matches!(fallback, IssuerSearch::NotFound | IssuerSearch::Unverifiable(..))
                {
                    fallback = IssuerSearch::BadSignature(ca, e);
                }
            }
            Err(e) => {
                if matches!(fallback, IssuerSearch::NotFound) {
                    fallback = IssuerSearch::Unverifiable(ca, e);
                }
            }
        }
    }
    fallback
}

/// True when `ca` is self-signed or chains, through certificates of `cas`, to one that is.
fn anchored(cas: &[Cert], ca: &Cert) -> bool {
    let mut visited = vec![ca.fingerprint];
    anchored_within(cas, ca, 0, &mut visited)
}

fn anchored_within(cas: &[Cert], ca: &Cert, depth: usize, visited: &mut Vec<[u8; 32]>) -> bool {
    if ca.is_self_signed() {
        return true;
    }
    if depth + 1 >= MAX_CHAIN {
        return false;
    }
    for issuer in cas.iter().filter(|i| i.may_have_issued(ca)) {
        if visited.contains(&issuer.fingerprint) {
            continue;
        }
        visited.push(issuer.fingerprint);
        if ca.verify_signed_by(issuer).is_ok() && anchored_within(cas, issuer, depth + 1, visited) {
            return true;
        }
    }
    false
}

/// The certificates of a CscaMasterList; entries that do not decode are counted in `unreadable`.
fn list_certificates(list: &Node<'_>, unreadable: &mut usize) -> Result<Vec<Cert>, Error> {
    const WHAT: &str = "CscaMasterList";
    let list = list.expect(Tag::SEQUENCE, WHAT)?;
    let version = list.child(0, WHAT)?.primitive(Tag::INTEGER, "CscaMasterList version")?;
    if version != [0] {
        let v = version.iter().take(8).fold(0u64, |acc, &b| (acc << 8) | u64::from(b));
        return Err(PaError::Version { what: WHAT, version: v }.into());
    }
    let set = list.child(1, WHAT)?.expect(Tag::SET, "certList")?;
    let mut certs = Vec::new();
    for node in set.children().iter().take(MAX_CERTIFICATES) {
        match Cert::from_node(node) {
            Ok(cert) => certs.push(cert),
            Err(_) => *unreadable += 1,
        }
    }
    Ok(certs)
}

/// Where a PEM text starts, if the bytes are one: `-----BEGIN ` after optional leading text.
fn pem_start(bytes: &[u8]) -> Option<usize> {
    let head = bytes.get(..bytes.len().min(4096))?;
    // DER starts with a SEQUENCE byte; text before the first PEM block (OpenSSL's "subject=" lines) is skipped.
    if head.first() == Some(&0x30) {
        return None;
    }
    find(bytes, b"-----BEGIN ")
}

/// The next `-----BEGIN ...-----` to `-----END ...-----` block of `text`, and the text after it.
fn next_pem_block(text: &[u8]) -> Option<(&[u8], &[u8])> {
    let start = find(text, b"-----BEGIN ")?;
    let from_start = text.get(start..)?;
    let end_marker = find(from_start, b"-----END ")?;
    let after_end = from_start.get(end_marker + 9..)?;
    let close = find(after_end, b"-----")?;
    let block_len = end_marker + 9 + close + 5;
    let block = from_start.get(..block_len)?;
    Some((block, from_start.get(block_len..).unwrap_or_default()))
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}
