//! The documented name corpus of the watchlist: listed people and travellers, as the test `watchlist_names` and the
//! benchmark `watchlist` use them (included by both with `#[path]`). See `watchlist_names.rs` for what each part
//! shows.

#![allow(dead_code)]

use gate_daemon::watchlist::score::BirthDate;

/// One case: what it shows; the listed names (`|` separates aliases), date of birth and nationality; the traveller's
/// name, date of birth and nationality. Dates are `YYYY-MM-DD`, `YYYY-MM`, `YYYY` or empty.
pub type Case = (&'static str, &'static str, &'static str, &'static str, &'static str, &'static str, &'static str);

#[rustfmt::skip]
pub const VARIANTS: &[Case] = &[
    // Muhammad, spelled and abbreviated.
    ("MOCH for MUHAMMAD, Y for I", "MUHAMMAD RIZKI PRATAMA", "1995-04-12", "IDN",
        "MOCH RIZKY PRATAMA", "1995-04-12", "IDN"),
    ("initial M", "MUHAMMAD YUSUF", "1988-01-20", "IDN", "M YUSUF", "1988-01-20", "IDN"),
    ("MUH, doubled letters", "MUHAMMAD HASAN BASRI", "1979-07-07", "IDN", "MUH HASSAN BASRI", "1979-07-07", "IDN"),
    ("MOHAMMAD, Q for K", "MOHAMMAD IQBAL", "1990-11-02", "IDN", "MUHAMMAD IKBAL", "1990-11-02", "IDN"),
    ("MOCHAMAD, doubled D", "MUHAMMAD FAJAR SIDIQ", "1993-02-28", "IDN", "MOCHAMAD FAJAR SIDDIQ", "1993-02-28", "IDN"),
    ("MUCHAMMAD, ARIEF", "MUCHAMMAD ARIF", "1985-06-15", "IDN", "MUHAMMAD ARIEF", "1985-06-15", "IDN"),
    ("MHD, year only listed", "MHD SYAHRUL", "1998", "IDN", "MUHAMMAD SYAHRUL", "1998-03-03", "IDN"),
    ("MOHD, BIN dropped", "MOHD FAIZAL BIN ISMAIL", "1982-12-01", "MYS", "MOHAMAD FAIZAL ISMAIL", "1982-12-01", "MYS"),
    ("MOH", "MUHAMAD SOLEH", "1967-05-05", "IDN", "MOH SOLEH", "1967-05-05", "IDN"),
    ("MOHAMMED, MRZ order", "MUHAMMED ALI AKBAR", "1970-09-09", "IDN", "AKBAR<<MOHAMMED<ALI", "1970-09-09", "IDN"),
    // Old spelling.
    ("OE", "SOEKARNO", "1961-06-06", "IDN", "SUKARNO", "1961-06-06", "IDN"),
    ("DJ and OE", "DJOKO SOESILO", "1958-10-10", "IDN", "JOKO SUSILO", "1958-10-10", "IDN"),
    ("old J for Y", "JUSUF HABIBIE", "1956-06-25", "IDN", "YUSUF HABIBIE", "1956-06-25", "IDN"),
    ("TJ and old J", "TJAHJA KUSUMA", "1975-03-14", "IDN", "CAHYA KUSUMA", "1975-03-14", "IDN"),
    ("SJ, single name", "SJAHRIR", "1969-03-05", "IDN", "SYAHRIR", "1969-03-05", "IDN"),
    ("CH for KH", "CHAIRUL TANJUNG", "1962-06-16", "IDN", "KHAIRUL TANJUNG", "1962-06-16", "IDN"),
    ("NJ, year only listed", "NJOMAN SUWITRA", "1966", "IDN", "NYOMAN SUWITRA", "1966-08-08", "IDN"),
    ("OE single name", "SOEHARTO", "1951-06-08", "IDN", "SUHARTO", "1951-06-08", "IDN"),
    ("ABDOEL", "ABDOEL KADIR", "1960-01-30", "IDN", "ABDUL KADIR", "1960-01-30", "IDN"),
    ("old J and OE", "WAHJOE HIDAJAT", "1972-07-17", "IDN", "WAHYU HIDAYAT", "1972-07-17", "IDN"),
    ("ACHMAD", "ACHMAD DAHLAN", "1977-08-18", "IDN", "AHMAD DAHLAN", "1977-08-18", "IDN"),
    ("MOCHTAR", "MOCHTAR LUBIS", "1965-03-07", "IDN", "MUKHTAR LUBIS", "1965-03-07", "IDN"),
    ("SOE and DJ", "SOEDJATMIKO", "1954-04-04", "IDN", "SUJATMIKO", "1954-04-04", "IDN"),
    // Arabic transliteration.
    ("ABDURRAHMAN joined", "ABDUL RAHMAN", "1980-10-10", "IDN", "ABDURRAHMAN", "1980-10-10", "IDN"),
    ("NOOR", "NOOR HIDAYAH", "1991-12-24", "IDN", "NUR HIDAYAH", "1991-12-24", "IDN"),
    ("HASSAN", "HASSAN BASRI", "1974-04-04", "IDN", "HASAN BASRI", "1974-04-04", "IDN"),
    ("FATIMAH, AZ ZAHRA split", "FATIMAH AZZAHRA", "1999-09-19", "IDN", "FATIMA AZ ZAHRA", "1999-09-19", "IDN"),
    ("SITTI, AISYAH", "SITTI AISYAH", "1983-02-14", "IDN", "SITI AISAH", "1983-02-14", "IDN"),
    ("ABD, GH", "ABD GHAFUR", "1971-05-21", "IDN", "ABDUL GAFUR", "1971-05-21", "IDN"),
    ("DZ, HASSAN", "ZULKIFLI HASAN", "1962-05-17", "IDN", "DZULKIFLI HASSAN", "1962-05-17", "IDN"),
    ("DH", "RAMADHAN SAPUTRA", "2000-12-12", "IDN", "RAMADAN SAPUTRA", "2000-12-12", "IDN"),
    ("MUSTOFA", "MUSTAFA KAMAL", "1968-11-30", "IDN", "MUSTOFA KAMAL", "1968-11-30", "IDN"),
    ("apostrophe", "MA'RUF AMIN", "1943-03-11", "IDN", "MARUF AMIN", "1943-03-11", "IDN"),
    // Order.
    ("surname first", "SANTOSO BUDI", "1980-05-12", "IDN", "BUDI SANTOSO", "1980-05-12", "IDN"),
    ("surname first, MRZ", "JOKO WIDODO", "1961-06-21", "IDN", "WIDODO<<JOKO", "1961-06-21", "IDN"),
    ("Chinese order", "TAN WEI MING", "1985-02-02", "SGP", "WEI MING TAN", "1985-02-02", "SGP"),
    ("family name last, year only", "NASUTION ABDUL HARIS", "1960", "IDN", "ABDUL HARIS NASUTION", "1960-12-03", "IDN"),
    // Split and joined.
    ("ABDULRAHMAN joined", "ABDULRAHMAN WAHID", "1940-09-07", "IDN", "ABDUL RAHMAN WAHID", "1940-09-07", "IDN"),
    ("NURHIDAYAT joined", "NURHIDAYAT", "1987-07-27", "IDN", "NUR HIDAYAT", "1987-07-27", "IDN"),
    ("SRIWAHYUNI joined", "SRIWAHYUNI", "1990-01-01", "IDN", "SRI WAHYUNI", "1990-01-01", "IDN"),
    ("AL AMIN split", "ALAMIN", "1993-03-13", "IDN", "AL-AMIN", "1993-03-13", "IDN"),
    ("DEWISARTIKA joined", "DEWISARTIKA", "1989-09-29", "IDN", "DEWI SARTIKA", "1989-09-29", "IDN"),
    // Typos.
    ("transposition", "KURNIAWAN ADITYA", "1992-11-11", "IDN", "KURNAIWAN ADITYA", "1992-11-11", "IDN"),
    ("Y for I", "SETIAWAN HENDRA", "1984-04-24", "IDN", "SETYAWAN HENDRA", "1984-04-24", "IDN"),
    ("two vowels", "PRASETYO NUGROHO", "1983-08-08", "IDN", "PRASETIO NUGRAHA", "1983-08-08", "IDN"),
    ("final Y", "RATNASARI", "1995-05-25", "IDN", "RATNASARY", "1995-05-25", "IDN"),
    ("missing H", "SUSILO BAMBANG YUDHOYONO", "1949-09-09", "IDN", "SUSILO BAMBANG YUDOYONO", "1949-09-09", "IDN"),
    ("doubled L", "HIDAYATULLAH", "1979-01-11", "IDN", "HIDAYATULAH", "1979-01-11", "IDN"),
    ("a letter dropped", "GUNAWAN SETIADI", "1986-06-06", "IDN", "GUNAWAN SETADI", "1986-06-06", "IDN"),
    ("a last letter dropped", "HERU SETIAWAN", "1986-06-06", "IDN", "HERU SETIAWA", "1986-06-06", "IDN"),
    ("two typos in a long name", "PURNOMOSIDI", "1971-10-10", "IDN", "PURNOMOSIDHY", "1971-10-10", "IDN"),
    // Diacritics and foreign names.
    ("accents", "JOSÉ MARÍA GARCÍA", "1975-03-03", "ESP", "JOSE MARIA GARCIA", "1975-03-03", "ESP"),
    ("umlaut as UE, D for DEU", "MÜLLER HANS", "1968-12-12", "DEU", "HANS MUELLER", "1968-12-12", "D"),
    ("cedilla, grave", "FRANÇOIS LEFÈVRE", "1970-07-14", "FRA", "FRANCOIS LEFEVRE", "1970-07-14", "FRA"),
    ("Ø and Å, year only", "SØREN KIERKEGÅRD", "1980", "DNK", "SOREN KIERKEGAARD", "1980-05-05", "DNK"),
    ("Polish letters", "ŁUKASZ WAŁĘSA", "1985-10-10", "POL", "LUKASZ WALESA", "1985-10-10", "POL"),
    ("apostrophe, order", "O'BRIEN SEAN", "1979-03-17", "IRL", "SEAN OBRIEN", "1979-03-17", "IRL"),
    ("Russian order", "VLADIMIR PETROV", "1972-02-29", "RUS", "PETROV<<VLADIMIR", "1972-02-29", "RUS"),
    ("Chinese, two tokens", "ZHANG WEI", "1988-08-08", "CHN", "WEI ZHANG", "1988-08-08", "CHN"),
    // MRZ fillers.
    ("MRZ surname first", "BUDI SANTOSO", "1980-05-12", "IDN", "SANTOSO<<BUDI<<<<<<<<<<<<", "1980-05-12", "IDN"),
    ("MRZ, joined surname", "SITI NURHALIZA", "1979-01-11", "IDN", "NURHALIZA<<SITI<<<<<<<<", "1979-01-11", "IDN"),
    // Titles, connectors, particles.
    ("Haji and a degree", "H. AHMAD FAUZI, S.H.", "1966-06-16", "IDN", "AHMAD FAUZI", "1966-06-16", "IDN"),
    ("Dr. Ir.", "DR. IR. BAMBANG SUTRISNO", "1957-05-07", "IDN", "BAMBANG SUTRISNO", "1957-05-07", "IDN"),
    ("Hajjah and binti", "HJ. SITI ROHMAH BINTI ABDULLAH", "1969-09-01", "IDN", "SITI ROHMAH", "1969-09-01", "IDN"),
    ("Raden Mas, single name", "RADEN MAS SURYONEGORO", "1948-11-11", "IDN", "SURYONEGORO", "1948-11-11", "IDN"),
    ("Balinese I", "I WAYAN SUDIRTA", "1950-11-29", "IDN", "WAYAN SUDIRTA", "1950-11-29", "IDN"),
    ("Balinese NI LUH", "NI LUH PUTU ARIASIH", "1984-08-17", "IDN", "LUH PUTU ARIASIH", "1984-08-17", "IDN"),
    ("Tengku", "TENGKU ABDUL AZIZ", "1959-02-12", "IDN", "ABDUL AZIZ", "1959-02-12", "IDN"),
    // Dates of birth: partial, swapped.
    ("year only listed", "AGUS SALIM", "1965", "IDN", "AGUS SALIM", "1965-10-08", "IDN"),
    ("year and month listed, TEDI", "TEDDY HERMAWAN", "1977-06", "IDN", "TEDI HERMAWAN", "1977-06-30", "IDN"),
    ("day and month swapped, J for Y", "YOHANES KRISTIANTO", "1983-07-04", "IDN",
        "JOHANES KRISTIANTO", "1983-04-07", "IDN"),
    ("day and month swapped", "GUNAWAN WIBISONO", "1990-02-11", "IDN", "GUNAWAN WIBISONO", "1990-11-02", "IDN"),
    ("no date listed, full name", "BENNY SETIABUDI WIJAYA", "", "IDN", "BENNY SETIABUDI WIJAYA", "1970-01-01", "IDN"),
    // Single names against full names.
    ("single name in a full name", "SUPARMAN HADIWIJOYO", "1958-08-17", "IDN", "SUPARMAN", "1958-08-17", "IDN"),
    ("single name, both", "SUMARNI", "1963-03-03", "IDN", "SUMARNI", "1963-03-03", "IDN"),
    ("single name, long listed", "MEGAWATI SOEKARNOPUTRI", "1947-01-23", "IDN", "MEGAWATI", "1947-01-23", "IDN"),
    ("single name with bin", "PARJO BIN SASTRO", "1955-05-15", "IDN", "PARJO", "1955-05-15", "IDN"),
    ("full name against single listed", "WIRANTO", "1947-04-04", "IDN", "WIRANTO SASTRO", "1947-04-04", "IDN"),
    // Aliases, nationality.
    ("alias", "BUDI HARTONO|BUDI ARIEF GUNAWAN", "1975-09-09", "IDN", "BUDI ARIF GUNAWAN", "1975-09-09", "IDN"),
    ("alias in another script order", "ABU BAKAR BASYIR|ABU BAKAR BA'ASYIR", "1938-08-17", "IDN",
        "ABU BAKAR BAASYIR", "1938-08-17", "IDN"),
    ("another nationality", "RIZAL RAMLI", "1954-12-10", "IDN", "RIZAL RAMLI", "1954-12-10", "MYS"),
    ("KHAIRUNNISA", "CHAIRUNNISA", "1994-04-14", "IDN", "KHAIRUNISA", "1994-04-14", "IDN"),
    ("J for Y, single", "JULIANTI", "1986-07-21", "IDN", "YULIANTI", "1986-07-21", "IDN"),
    ("doubled letters in a Bugis name", "ANDI MAPPANYUKKI", "1962-10-10", "IDN", "ANDI MAPANYUKI", "1962-10-10", "IDN"),
    ("Chinese-Indonesian old spelling", "LIEM SIOE LIONG", "1916-07-16", "IDN", "LIM SIU LIONG", "1916-07-16", "IDN"),
    ("French transliteration", "YOUSSEF MAHMOUD", "1977-04-04", "EGY", "YUSUF MAHMUD", "1977-04-04", "EGY"),
    ("ABDEL joined", "ABDELKADER BENALI", "1969-06-01", "DZA", "ABDUL KADIR BENALI", "1969-06-01", "DZA"),
    ("doubled F, final Y", "EFFENDI GAZALI", "1966-12-02", "IDN", "EFENDY GHAZALI", "1966-12-02", "IDN"),
    ("KH dropped", "KHADIJAH", "1974-10-10", "IDN", "HADIJAH", "1974-10-10", "IDN"),
    ("AE for AI, doubled D", "ZAENUDIN", "1963-01-31", "IDN", "ZAINUDDIN", "1963-01-31", "IDN"),
    ("a middle name added", "BUDI SANTOSO", "1980-05-12", "IDN", "BUDI ARIF SANTOSO", "1980-05-12", "IDN"),
    ("MRZ name cut short", "BAMBANG HARI PRASETYO", "1980-02-02", "IDN", "PRASETY<<BAMBANG<HARI", "1980-02-02", "IDN"),
    ("SYARIFUDDIN", "SYARIFUDDIN", "1961-11-11", "IDN", "SARIFUDIN", "1961-11-11", "IDN"),
];

#[rustfmt::skip]
pub const NEAR_MISSES: &[Case] = &[
    // Alike names, another date of birth.
    ("SANTOSA, other year", "BUDI SANTOSO", "1980-05-12", "IDN", "BUDI SANTOSA", "1992-03-01", "IDN"),
    ("same name, other year", "EKO PRASETYO", "1980-01-01", "IDN", "EKO PRASETYO", "1975-06-06", "IDN"),
    ("same name, other year", "JOKO WIDODO", "1961-06-21", "IDN", "JOKO WIDODO", "1975-02-02", "IDN"),
    ("same name, other month", "AHMAD FAUZI", "1970-03-03", "IDN", "AHMAD FAUZI", "1970-08-21", "IDN"),
    ("same name, year only differs", "SITI AMINAH", "1985", "IDN", "SITI AMINAH", "1990-02-02", "IDN"),
    ("single common, other year", "AGUS SALIM", "1965-10-08", "IDN", "AGUS", "1982-10-08", "IDN"),
    ("single common, other year", "SITI NURBAYA", "1960-01-01", "IDN", "SITI", "1999-01-01", "IDN"),
    ("Muhammad abbreviated, other year", "MUHAMMAD RIZKI", "1995-04-12", "IDN", "M RIZKY", "2001-04-12", "IDN"),
    ("old spelling, other year", "SOEKARNO", "1961-06-06", "IDN", "SUKARNO", "1978-06-06", "IDN"),
    ("surname, other year", "SUSILO BAMBANG", "1949-09-09", "IDN", "BAMBANG SUSILO", "1990-09-10", "IDN"),
    ("typo, other year", "KURNIAWAN ADITYA", "1992-11-11", "IDN", "KURNAIWAN ADITYA", "1988-11-11", "IDN"),
    ("joined, other year", "ABDULRAHMAN WAHID", "1940-09-07", "IDN", "ABDUL RAHMAN WAHID", "1977-09-07", "IDN"),
    ("same name, other month", "HENDRA GUNAWAN", "1984-04-24", "IDN", "HENDRA GUNAWAN", "1984-09-02", "IDN"),
    ("same name, other year and nationality", "TAN WEI MING", "1985-02-02", "SGP", "TAN WEI MING", "1969-07-07", "MYS"),
    ("Western, other year", "JOSÉ GARCÍA", "1975-03-03", "ESP", "JOSE GARCIA", "1983-11-12", "MEX"),
    ("Chinese, other year", "ZHANG WEI", "1988-08-08", "CHN", "ZHANG WEI", "1990-01-15", "CHN"),
    ("same name, other day and nationality", "DEWI LESTARI", "1982-02-02", "IDN", "DEWI LESTARI", "1982-02-20", "MYS"),
    ("single name, other year", "SUPARMAN HADIWIJOYO", "1958-08-17", "IDN", "SUPARMAN", "1985-08-17", "IDN"),
    ("single name, other year", "SUMARNI", "1963-03-03", "IDN", "SUMARNI", "1973-03-03", "IDN"),
    ("NUR, other year", "NOOR HIDAYAH", "1991-12-24", "IDN", "NUR HIDAYAH", "1981-12-24", "IDN"),
    ("alias, other year", "BUDI HARTONO|BUDI ARIEF", "1975-09-09", "IDN", "BUDI ARIF", "1995-09-09", "IDN"),
    ("ABDUL, other year", "ABDUL KADIR", "1960-01-30", "IDN", "ABDUL KADIR", "1980-01-30", "IDN"),
    ("MUKHTAR, other year", "MOCHTAR LUBIS", "1965-03-07", "IDN", "MUKHTAR LUBIS", "1985-03-07", "IDN"),
    ("Balinese, other year", "I WAYAN SUDIRTA", "1950-11-29", "IDN", "I WAYAN SUDIRTA", "1991-11-29", "IDN"),
    // The same date of birth, another person.
    ("MUHAMMAD, then another name", "MUHAMMAD RIZKI", "1995-04-12", "IDN", "MUHAMMAD FAUZI", "1995-04-12", "IDN"),
    ("SITI, then another name", "SITI AMINAH", "1980-01-01", "IDN", "SITI RAHMAWATI", "1980-01-01", "IDN"),
    ("surname shared", "AGUS SETIAWAN", "1985-07-07", "IDN", "BUDI SETIAWAN", "1985-07-07", "IDN"),
    ("given name shared", "HENDRA GUNAWAN", "1984-04-24", "IDN", "HENDRA KURNIAWAN", "1984-04-24", "IDN"),
    ("FAUZI and FAUZAN", "AHMAD FAUZI", "1970-03-03", "IDN", "AHMAD FAUZAN", "1970-03-03", "IDN"),
    ("RAHMAN and RAHIM", "ABDUL RAHMAN", "1980-10-10", "IDN", "ABDUL RAHIM", "1980-10-10", "IDN"),
    ("SUSILO and SUSANTO", "BAMBANG SUSILO", "1966-06-06", "IDN", "BAMBANG SUSANTO", "1966-06-06", "IDN"),
    ("WAHYUNI and WAHYUNINGSIH", "SRI WAHYUNI", "1990-01-01", "IDN", "SRI WAHYUNINGSIH", "1990-01-01", "IDN"),
    ("DEWI, other surname", "DEWI LESTARI", "1982-02-02", "IDN", "DEWI KUSUMA", "1982-02-02", "IDN"),
    ("NUR, other name", "NUR HIDAYAT", "1987-07-27", "IDN", "NUR KHOLIS", "1987-07-27", "IDN"),
    ("MOCH, other name", "MOCH SOLEH", "1967-05-05", "IDN", "MOCH SUBKHI", "1967-05-05", "IDN"),
    ("BUDI, other name", "BUDI SANTOSO", "1980-05-12", "IDN", "BUDI HARYANTO", "1980-05-12", "IDN"),
    ("AGUS, other name", "AGUS SALIM", "1965-10-08", "IDN", "AGUS SUPRIYADI", "1965-10-08", "IDN"),
    ("SUPRIYADI and SUPRIYATNO", "SUPRIYADI", "1970-10-10", "IDN", "SUPRIYATNO", "1970-10-10", "IDN"),
    ("WAHYU and BAYU", "WAHYU", "1992-02-02", "IDN", "BAYU", "1992-02-02", "IDN"),
    ("HASAN and HUSIN", "HASAN BASRI", "1974-04-04", "IDN", "HUSIN BASRI", "1974-04-04", "IDN"),
    ("BUDI and BADU", "BUDI", "1960-06-06", "IDN", "BADU", "1960-06-06", "IDN"),
    ("RINA and RANI", "RINA", "1988-08-18", "IDN", "RANI", "1988-08-18", "IDN"),
    ("SANTI and SINTA", "SANTI", "1991-01-19", "IDN", "SINTA", "1991-01-19", "IDN"),
    ("Balinese birth order", "I WAYAN SUDIRTA", "1950-11-29", "IDN", "I WAYAN KARTA", "1950-11-29", "IDN"),
    ("Chinese, one token shared", "TAN WEI MING", "1985-02-02", "SGP", "LIM WEI JIE", "1985-02-02", "SGP"),
    ("LIM and LAM", "LIM WEI", "1985-02-02", "SGP", "LAM WEI", "1985-02-02", "SGP"),
    ("ALI and ALIF", "ALI MAHMUD", "1977-04-04", "IDN", "ALIF MAHMUD", "1977-04-04", "IDN"),
    ("YUSUF and YOSEF, other year", "YUSUF MANSUR", "1976-12-19", "IDN", "YOSEF MANSUR", "1986-12-19", "IDN"),
    ("two common tokens shared", "MUHAMMAD ALI AKBAR", "1970-09-09", "IDN", "MUHAMMAD ALI IMRAN", "1970-09-09", "IDN"),
    // Male and female forms, the same date of birth.
    ("PUTRA and PUTRI", "DIAN PUTRA", "1990-10-10", "IDN", "DIAN PUTRI", "1990-10-10", "IDN"),
    ("SAPUTRA and SAPUTRI", "ANDI SAPUTRA", "1999-09-09", "IDN", "ANDI SAPUTRI", "1999-09-09", "IDN"),
    ("SUHARTO and SUHARTI", "SUHARTO", "1950-01-01", "IDN", "SUHARTI", "1950-01-01", "IDN"),
    ("HARTONO and HARTINI", "HARTONO", "1960-05-05", "IDN", "HARTINI", "1960-05-05", "IDN"),
    ("YANTO and YANTI", "YANTO", "1975-07-07", "IDN", "YANTI", "1975-07-07", "IDN"),
    ("HIDAYAT and HIDAYATI", "NUR HIDAYAT", "1987-07-27", "IDN", "NUR HIDAYATI", "1987-07-27", "IDN"),
    ("FAUZI and FAUZIAH", "FAUZI", "1979-03-03", "IDN", "FAUZIAH", "1979-03-03", "IDN"),
    ("RIZKY and RIZKA", "RIZKY AMALIA", "1996-06-06", "IDN", "RIZKA AMALIA", "1996-06-06", "IDN"),
    ("SUSANTO and SUSANTI", "SUSANTO", "1968-08-08", "IDN", "SUSANTI", "1968-08-08", "IDN"),
    // No date of birth on the list.
    ("no date, surname shared", "AGUS SETIAWAN", "", "IDN", "BUDI SETIAWAN", "1985-07-07", "IDN"),
    ("no date, one token of three", "MUHAMMAD RIZKI PRATAMA", "", "IDN", "MUHAMMAD FAJAR", "1995-04-12", "IDN"),
    ("no date, single common", "SITI", "", "IDN", "SITI AMINAH", "1980-01-01", "IDN"),
    ("no date, single common listed", "AGUS", "", "IDN", "AGUS", "1970-07-07", "IDN"),
    ("no date, single name within a full one", "SETIAWAN", "", "IDN", "EKO SETIAWAN", "1985-07-07", "IDN"),
    ("no date, other given name", "HENDRA GUNAWAN", "", "IDN", "HERU GUNAWAN", "1984-04-24", "IDN"),
    ("no date, initials only", "A RAHMAN", "", "IDN", "ABDUL RAHIM", "1980-10-10", "IDN"),
    ("no date, two common tokens", "PUTU AYU", "", "IDN", "PUTU AYU LESTARI", "1993-03-03", "IDN"),
];

/// The same person, known by common tokens only: a date of birth cannot single out one of the many people so
/// named (a list of a million holds dozens of them born on any one day), so these stay clear by design.
#[rustfmt::skip]
pub const COMMON_ONLY: &[Case] = &[
    ("single common name, both", "SITI", "1971-07-07", "IDN", "SITI", "1971-07-07", "IDN"),
    ("initial M and NUR", "MUHAMMAD NUR", "1990-09-09", "IDN", "M. NUR", "1990-09-09", "IDN"),
    ("two common tokens", "AGUS BUDI", "1975-05-05", "IDN", "BUDI AGUS", "1975-05-05", "IDN"),
];

pub fn date(text: &str) -> Option<BirthDate> {
    if text.is_empty() {
        return None;
    }
    let mut parts = text.split('-');
    let year = parts.next()?.parse().ok()?;
    let month = parts.next().and_then(|m| m.parse().ok());
    let day = parts.next().and_then(|d| d.parse().ok());
    Some(BirthDate { year, month, day })
}
