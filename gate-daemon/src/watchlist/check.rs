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

/// The query for the holder of a document, from its MRZ (or DG1): the name as printed, the date of birth placed
/// against `today`, nationality, sex, and the document itself.
pub fn query_from_mrz(mrz: &mrtd::mrz::Mrz, direction: score::Direction, today: mrtd::mrz::Ymd) -> Query {
    let name = format!("{} {}", mrz.surname(), mrz.given_names());
    Query {
        names: vec![normalise::normalise_name(&name)],
        date_of_birth: mrz.birth_date(today).map(|(y, m, d)| BirthDate::full(y, m, d)),
        nationality: Some(mrz.nationality().trim_end_matches('<').to_owned()),
        sex: match mrz.sex() {
            mrtd::mrz::Sex::Male => Some(Sex::Male),
            mrtd::mrz::Sex::Female => Some(Sex::Female),
            _ => None,
        },
        documents: vec![TravelDocument {
            number: mrz.document_number().to_owned(),
            issuing_state: mrz.issuing_state().trim_end_matches('<').to_owned(),
        }],
        direction,
    }
}

/// A list record prepared for scoring, as the index's prepared form of it would be.
pub fn candidate(record: &Record) -> Candidate {
    prepared_candidate(&store::prepare(record))
}

fn screen_records(query: &Query, records: &[Record], config: &ScoreConfig, started: Instant) -> Screening {
    let found = records
        .iter()
        .filter_map(|r| {
            let m = score::score(query, &candidate(r), config)?;
            (m.outcome != Outcome::Clear).then(|| Found { entry_id: r.entry_id.clone(), list: r.list, matched: m })
        })
        .collect();
    let (result, matches) = sorted(found);
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

/// The traveller's names with the bits the list gives them: each name token's from its count
/// ([`normalise::frequency_bits`]), and each whole name's and part's from how many entries bear it exactly
/// ([`normalise::whole_bits`]), once `whole_counts` are known.
struct Traveller {
    query: Query,
    /// Per name: the positions and key of the name and of each of its parts.
    wholes: Vec<Vec<(u16, String)>>,
    entries: u32,
    counts: std::sync::Arc<store::TokenCounts>,
}

impl Traveller {
    fn new(query: &Query, entries: u64, counts: &std::sync::Arc<store::TokenCounts>) -> Self {
        let entries = u32::try_from(entries).unwrap_or(u32::MAX);
        let mut prepared = Self {
            query: query.clone(),
            wholes: query.names.iter().map(normalise::whole_keys).collect(),
            entries,
            counts: std::sync::Arc::clone(counts),
        };
        let counts = std::sync::Arc::clone(&prepared.counts);
        for name in &mut prepared.query.names {
            name.set_bits(|canonical, prior| token_bits(&counts, entries, canonical, prior));
        }
        prepared
    }

    /// The most bits any of the traveller's names could bring.
    fn name_bits(&self) -> f32 {
        let best = |name: &normalise::NormalName| {
            let tokens: Vec<f32> = name.matched().map(|t| t.bits).collect();
            tokens.iter().sum::<f32>() + score::complete_bits(tokens.len())
        };
        self.query.names.iter().map(best).fold(0.0, f32::max)
    }

    fn whole_keys(&self) -> Vec<String> {
        self.wholes.iter().flatten().map(|(_, key)| key.clone()).collect()
    }

    fn set_wholes(&mut self, whole_counts: &std::collections::HashMap<String, u32>) {
        for (name, parts) in self.query.names.iter_mut().zip(&self.wholes) {
            let matched: Vec<f32> = name.matched().map(|t| t.bits).collect();
            name.wholes = parts
                .iter()
                .filter_map(|(mask, key)| {
                    let held = *whole_counts.get(key)?;
                    let chosen: Vec<f32> =
                        matched.iter().enumerate().filter(|(i, _)| mask & (1 << i) != 0).map(|(_, b)| *b).collect();
                    let tokens = chosen.iter().sum::<f32>() + score::complete_bits(chosen.len());
                    Some((*mask, normalise::whole_bits(held, self.entries, tokens)))
                })
                .collect();
        }
    }

    /// Scores one candidate, its name tokens given their bits from the same counts.
    fn score(&self, mut candidate: Candidate, config: &ScoreConfig) -> Option<Match> {
        for name in &mut candidate.names {
            name.set_bits(|canonical, prior| token_bits(&self.counts, self.entries, canonical, prior));
        }
        score::score(&self.query, &candidate, config)
    }
}

fn token_bits(counts: &store::TokenCounts, entries: u32, canonical: &str, prior: f32) -> f32 {
    normalise::frequency_bits(counts.get(canonical).copied().unwrap_or(0), entries, prior)
}

fn sorted(mut matches: Vec<Found>) -> (Outcome, Vec<Found>) {
    matches.sort_by(|a, b| b.matched.score.total_cmp(&a.matched.score).then_with(|| a.entry_id.cmp(&b.entry_id)));
    (matches.first().map_or(Outcome::Clear, |f| f.matched.outcome), matches)
}

/// Screens a traveller through the index. Name tokens on both sides carry the bits their count in the list gives
/// them ([`normalise::frequency_bits`]): a rare name says more than a common one. Only the index keys whose entries
/// could reach `possible` are read: a name whose tokens carry few bits reads only entries with a date of birth that
/// could agree with the traveller's ([`store::query_keys`]).
///
/// # Errors
/// [`StoreError`] when the database fails.
pub fn screen(store: &Store, query: &Query, config: &ScoreConfig) -> Result<Screening, StoreError> {
    let started = Instant::now();
    let date = query.date_of_birth.map(|d| (d.year, d.month, d.day));
    let mut prepared = None;
    let lookup = store.lookup(|info, counts| {
        let entries = info.map_or(0, |i| i.entries);
        let p = Traveller::new(query, entries, counts);
        let date_bits = score::possible_bits(config, entries) - p.name_bits() - score::MAX_OTHER_BITS;
        let plan = store::Plan {
            keys: store::query_keys(&p.query.names, date, date_bits),
            documents: query.documents.iter().map(|d| (d.issuing_state.clone(), d.number.clone())).collect(),
            wholes: p.whole_keys(),
        };
        prepared = Some(p);
        plan
    })?;
    let entries = lookup.info.map_or(0, |i| i.entries);
    let Some(mut prepared) = prepared else {
        return Ok(Screening { result: Outcome::Clear, matches: Vec::new(), scored: 0, elapsed: started.elapsed() });
    };
    prepared.set_wholes(&lookup.whole_counts);
    let config = ScoreConfig { entries, ..config.clone() };
    let found = lookup
        .candidates
        .iter()
        .filter_map(|entry| {
            let m = prepared.score(prepared_candidate(entry), &config)?;
            (m.outcome != Outcome::Clear).then(|| Found {
                entry_id: entry.entry_id.clone(),
                list: entry.list,
                matched: m,
            })
        })
        .collect();
    let (result, matches) = sorted(found);
    Ok(Screening { result, matches, scored: lookup.candidates.len(), elapsed: started.elapsed() })
}

/// Screens a traveller by scoring every entry in force with the same scorer and the same bits: what the index
/// saves.
///
/// # Errors
/// [`StoreError`] when the database fails.
pub fn screen_by_scan(store: &Store, query: &Query, config: &ScoreConfig) -> Result<Screening, StoreError> {
    let started = Instant::now();
    let mut prepared = None;
    let lookup = store.lookup(|info, counts| {
        let p = Traveller::new(query, info.map_or(0, |i| i.entries), counts);
        let plan = store::Plan { wholes: p.whole_keys(), ..store::Plan::default() };
        prepared = Some(p);
        plan
    })?;
    let Some(mut prepared) = prepared else {
        return Ok(Screening { result: Outcome::Clear, matches: Vec::new(), scored: 0, elapsed: started.elapsed() });
    };
    prepared.set_wholes(&lookup.whole_counts);
    let config = ScoreConfig { entries: lookup.info.map_or(0, |i| i.entries), ..config.clone() };
    let mut found = Vec::new();
    let mut scored = 0;
    store.for_each(|r| {
        scored += 1;
        if let Some(m) = prepared.score(candidate(r), &config)
            && m.outcome != Outcome::Clear
        {
            found.push(Found { entry_id: r.entry_id.clone(), list: r.list, matched: m });
        }
    })?;
    let (result, matches) = sorted(found);
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
