use super::*;
use crate::watchlist::normalise::{COMMON_BITS, LONG_NAME_BITS, NAME_BITS, normalise_name};

fn bits(traveller: &str, listed: &str) -> f32 {
    align(&normalise_name(traveller), &normalise_name(listed)).bits
}

fn agrees(traveller: &str, listed: &str) -> bool {
    align(&normalise_name(traveller), &normalise_name(listed)).agrees()
}

#[test]
fn edit_distance_counts_transpositions_once() {
    assert_eq!(edit_distance(b"RIZKI", b"RIZKI", 1), Some(0));
    assert_eq!(edit_distance(b"RIZKI", b"RIKZI", 1), Some(1));
    assert_eq!(edit_distance(b"RIZKI", b"RIZKY", 1), Some(1));
    assert_eq!(edit_distance(b"SANTOSO", b"SANTOS", 1), Some(1));
    assert_eq!(edit_distance(b"KURNIAWAN", b"KURNAIWAN", 2), Some(1));
    assert_eq!(edit_distance(b"KURNIAWAN", b"KURNIAWATI", 2), Some(2));
    assert_eq!(edit_distance(b"ABCDEF", b"FEDCBA", 2), None);
    assert_eq!(edit_distance(b"ADI", b"ADE", 0), None);
    assert_eq!(edit_distance(b"", b"A", 1), Some(1));
}

#[test]
fn male_and_female_forms_never_merge() {
    for (a, b) in [
        ("PUTRI", "PUTRA"),
        ("HIDAYATI", "HIDAYAT"),
        ("FAUZIAH", "FAUZI"),
        ("RIZKA", "RIZKY"),
        ("SUHARTI", "SUHARTO"),
        ("HARTINI", "HARTONO"),
    ] {
        assert!(!agrees(a, b), "{a} {b}");
    }
    assert!(agrees("SANTOSA", "SANTOSO"));
    assert!(agrees("FATIMA", "FATIMAH"));
}

#[test]
fn vowels_and_sounds() {
    // Vowels Indonesian spellings alternate cost little; a sound alike costs more; another first vowel never agrees.
    assert_eq!(align(&normalise_name("NUGROHO"), &normalise_name("NUGRAHA")).chosen[0].agreement, Agreement::Vowels);
    assert_eq!(align(&normalise_name("JULIANTI"), &normalise_name("YULIANTI")).chosen[0].agreement, Agreement::Vowels);
    assert!(agrees("RISKI", "RIZKY"));
    assert!(!agrees("HUSIN", "HASAN"));
    assert!(!agrees("BADU", "BUDI"));
    assert!(bits("TEDI", "TEDDY") < bits("TEDDY", "TEDDY"));
}

#[test]
fn name_rules() {
    let exact = bits("MUHAMMAD RIZKI", "MUHAMMAD RIZKI");
    // Order costs nothing; an abbreviation and an edit cost some bits; old spelling costs none.
    assert_eq!(bits("RIZKI MUHAMMAD", "MUHAMMAD RIZKI"), exact);
    let abbreviated = bits("MOCH RIZKY", "MUHAMMAD RIZKI");
    assert!(abbreviated < exact && abbreviated > exact - 6.0, "{abbreviated} {exact}");
    assert_eq!(bits("SUKARNO", "SOEKARNO"), bits("SUKARNO", "SUKARNO"));
    assert_eq!(bits("SUKARNO", "SUKARNO"), NAME_BITS + COMPLETE_SINGLE_BITS);
    // Joins cost a bit.
    assert!(bits("ABDULRAHMAN", "ABDUL RAHMAN") > LONG_NAME_BITS - 2.0);
    assert!(bits("ABDURRAHMAN WAHID", "ABDUL RAHMAN WAHID") > exact);
    // A single common name is worth little; a name each side lacks costs much.
    assert!(bits("MUHAMMAD", "MUHAMMAD YUSUF") < COMMON_BITS);
    assert!(bits("AGUS SETIAWAN", "BUDI SETIAWAN") < bits("SETIAWAN", "BUDI SETIAWAN") - 5.0);
    // Titles and connectors do not count.
    assert_eq!(bits("AHMAD FAUZI", "H. AHMAD FAUZI BIN ABDULLAH"), bits("AHMAD FAUZI", "AHMAD FAUZI ABDULLAH"));
}

#[test]
fn whole_names_count_tokens_that_go_together() {
    // MUHAMMAD YAHYA as the list counts it: more entries bear it than its tokens say apart.
    let mut traveller = normalise_name("MUHAMMAD YAHYA");
    let apart = align(&traveller, &normalise_name("MUHAMMAD YAHYA")).bits;
    traveller.wholes = vec![(0b11, apart - 3.0)];
    assert_eq!(align(&traveller, &normalise_name("MOHAMMAD YAHYA")).bits, apart - 3.0);
    // Only when the names agree as wholes: not through an edit, nor for the traveller's part another name holds.
    assert!(align(&traveller, &normalise_name("MUHAMMAD YAHYAH")).bits > apart - 3.0 - COST_EDIT_1);
    assert!(align(&traveller, &normalise_name("MUHAMMAD YAHYA SALEH")).bits > apart - 3.0);
    // A part of the traveller's name that is a record's whole name counts by its own whole.
    let mut traveller = normalise_name("MUHAMMAD YAHYA SALEH");
    traveller.wholes = vec![(0b011, 2.0)];
    assert_eq!(align(&traveller, &normalise_name("MUHAMMAD YAHYA")).bits, 2.0 - MISSING_BITS);
}
