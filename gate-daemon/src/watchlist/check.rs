//! Screening one traveller: the index gives the entries worth scoring, the scorer scores them, the best come first.

use std::time::{Duration, Instant, SystemTime};

use super::normalise;
use super::record::{ListKind, Record};
use super::score::{self, BirthDate, Candidate, List, Match, Outcome, Query, ScoreConfig, Sex, TravelDocument};
use super::store::{self, Prepared, Store, StoreError};

/// A record that scored, with its identity on the list.
#[derive(Debug, Clone)]
pub struct Found {
    /// The authority's entry id.
    pub entry_id: String,
    /// `cegah` or `tangkal`.
    pub list: ListKind,
    /// Score, outcome and reasons.
    pub matched: Match,
}

/// The outcome of a screening.
#[derive(Debug, Clone)]
pub struct Screening {
    /// The worst outcome over every match.
    pub result: Outcome,
    /// The matches at or above `possible`, best first.
    pub matches: Vec<Found>,
    /// The entries scored.
    pub scored: usize,
    /// How long it took.
    pub elapsed: Duration,
}

/// A list record prepared for scoring.
pub fn candidate(record: &Record) -> Candidate {
    Candidate {
        names: record.names.iter().map(|n| normalise::normalise_name(n)).collect(),
        date_of_birth: record.date_of_birth.map(|d| BirthDate { year: d.year, month: d.month, day: d.day }),
        nationality: record.nationality.as_ref().map(|c| c.as_str().to_string()),
        sex: match record.sex {
            Some(super::record::Sex::Female) => Some(Sex::Female),
            Some(super::record::Sex::Male) => Some(Sex::Male),
            _ => None,
        },
        list: match record.list {
            ListKind::Cegah => List::Cegah,
            ListKind::Tangkal => List::Tangkal,
        },
        documents: record
            .documents
            .iter()
            .map(|d| TravelDocument { number: d.number.clone(), issuing_state: d.issuing_state.as_str().to_string() })
            .collect(),
    }
}

fn screen_records(query: &Query, records: &[Record], config: &ScoreConfig, started: Instant) -> Screening {
    let mut matches: Vec<Found> = records
        .iter()
        .filter_map(|r| {
            let m = score::score(query, &candidate(r), config)?;
            (m.outcome != Outcome::Clear).then(|| Found { entry_id: r.entry_id.clone(), list: r.list, matched: m })
        })
        .collect();
    matches.sort_by(|a, b| b.matched.score.total_cmp(&a.matched.score).then_with(|| a.entry_id.cmp(&b.entry_id)));
    let result = matches.first().map_or(Outcome::Clear, |f| f.matched.outcome);
    Screening { result, matches, scored: records.len(), elapsed: started.elapsed() }
}

/// An entry, read in its prepared form, ready for scoring.
pub fn prepared_candidate(entry: &Prepared) -> Candidate {
    Candidate {
        names: entry.names.iter().map(|n| normalise::normalise_name(n)).collect(),
        date_of_birth: entry.date_of_birth.map(|(year, month, day)| BirthDate { year, month, day }),
        nationality: entry.nationality.clone(),
        sex: match entry.sex {
            Some(super::record::Sex::Female) => Some(Sex::Female),
            Some(super::record::Sex::Male) => Some(Sex::Male),
            _ => None,
        },
        list: match entry.list {
            ListKind::Cegah => List::Cegah,
            ListKind::Tangkal => List::Tangkal,
        },
        documents: entry
            .documents
            .iter()
            .map(|(state, number)| TravelDocument { number: number.clone(), issuing_state: state.clone() })
            .collect(),
    }
}

/// Screens a traveller through the index. Name tokens on both sides are weighed by how many entries of the list
/// hold them ([`normalise::frequency_weight`]): a rare name says more than a common one.
///
/// # Errors
/// [`StoreError`] when the database fails.
pub fn screen(store: &Store, query: &Query, config: &ScoreConfig) -> Result<Screening, StoreError> {
    let started = Instant::now();
    let keys = store::query_keys(&query.names, query.date_of_birth.map(|d| (d.year, d.month, d.day)));
    let documents: Vec<(&str, &str)> =
        query.documents.iter().map(|d| (d.issuing_state.as_str(), d.number.as_str())).collect();
    let lookup = store.lookup(&keys, &documents)?;
    let entries = lookup.info.map_or(0, |i| u32::try_from(i.entries).unwrap_or(u32::MAX));
    let counts = &lookup.counts;
    let weight =
        |canonical: &str| Some(normalise::frequency_weight(counts.get(canonical).copied().unwrap_or(0), entries));
    let mut query = query.clone();
    for name in &mut query.names {
        name.set_weights(weight);
    }
    let mut matches: Vec<Found> = lookup
        .candidates
        .iter()
        .filter_map(|entry| {
            let mut candidate = prepared_candidate(entry);
            for name in &mut candidate.names {
                name.set_weights(weight);
            }
            let m = score::score(&query, &candidate, config)?;
            (m.outcome != Outcome::Clear).then(|| Found {
                entry_id: entry.entry_id.clone(),
                list: entry.list,
                matched: m,
            })
        })
        .collect();
    matches.sort_by(|a, b| b.matched.score.total_cmp(&a.matched.score).then_with(|| a.entry_id.cmp(&b.entry_id)));
    let result = matches.first().map_or(Outcome::Clear, |f| f.matched.outcome);
    Ok(Screening { result, matches, scored: lookup.candidates.len(), elapsed: started.elapsed() })
}

/// Screens a traveller by scoring every entry in force: what the index saves.
///
/// # Errors
/// [`StoreError`] when the database fails.
pub fn screen_by_scan(store: &Store, query: &Query, config: &ScoreConfig) -> Result<Screening, StoreError> {
    let started = Instant::now();
    let mut matches = Vec::new();
    let mut scored = 0;
    store.for_each(|r| {
        scored += 1;
        if let Some(m) = score::score(query, &candidate(r), config)
            && m.outcome != Outcome::Clear
        {
            matches.push(Found { entry_id: r.entry_id.clone(), list: r.list, matched: m });
        }
    })?;
    matches.sort_by(|a, b| b.matched.score.total_cmp(&a.matched.score).then_with(|| a.entry_id.cmp(&b.entry_id)));
    let result = matches.first().map_or(Outcome::Clear, |f| f.matched.outcome);
    Ok(Screening { result, matches, scored, elapsed: started.elapsed() })
}

/// Screens a traveller against records held in memory by scoring every one (for tests and comparisons).
pub fn screen_all(records: &[Record], query: &Query, config: &ScoreConfig) -> Screening {
    screen_records(query, records, config, Instant::now())
}

/// Whether the list in force is too old to be trusted: then every traveller is referred.
pub fn is_stale(created: SystemTime, max_age: Duration) -> bool {
    super::bundle::is_stale(created, SystemTime::now(), max_age)
}
