//! The chip's file system: the file a SELECT or READ BINARY names in the current DF, whether it may be read, its FCP,
//! and READ BINARY's answer fitted to `Le` and to the response buffer.

use mrtd::apdu::{Command, Response};
use mrtd::lds::{EMRTD_AID, FileId};
use mrtd::sw::StatusWord;
use mrtd::tlv::{self, Tag};

use super::{Card, Ctx, Df, LeOverflow};

impl Card {
    /// The file a file identifier names in the current DF, if the chip holds it.
    fn by_fid(&self, fid: u16) -> Option<FileId> {
        let id = match (self.df, fid) {
            (Df::Master, 0x011C) => FileId::CardAccess,
            (Df::Master, 0x011D) => FileId::CardSecurity,
            (Df::Master, 0x2F01) => FileId::AtrInfo,
            (Df::Application, 0x011E) => FileId::Com,
            (Df::Application, 0x011D) => FileId::Sod,
            (Df::Application, n @ 0x0101..=0x0110) => FileId::Dg((n & 0xFF) as u8),
            _ => return None,
        };
        self.files.contains_key(&id).then_some(id)
    }

    /// The file a short file identifier names in the current DF, if the chip holds it.
    fn by_sfi(&self, sfi: u8) -> Option<FileId> {
        let id = match (self.df, sfi) {
            (Df::Master, 0x1C) => FileId::CardAccess,
            (Df::Master, 0x1D) => FileId::CardSecurity,
            (Df::Master, 0x01) => FileId::AtrInfo,
            (Df::Application, 0x1E) => FileId::Com,
            (Df::Application, 0x1D) => FileId::Sod,
            (Df::Application, n @ 0x01..=0x10) => FileId::Dg(n),
            _ => return None,
        };
        self.files.contains_key(&id).then_some(id)
    }

    /// Whether the file may be read now.
    fn access_to(&self, file: FileId, ctx: Ctx) -> Result<(), StatusWord> {
        if file.in_master_file() {
            return Ok(());
        }
        if !ctx.secure || matches!(file, FileId::Dg(3) | FileId::Dg(4)) {
            return Err(StatusWord::SecurityStatusNotSatisfied);
        }
        Ok(())
    }

    pub(super) fn select(&mut self, cmd: &Command, ctx: Ctx) -> Response {
        if !matches!(cmd.p2 & 0xFC, 0x00 | 0x04 | 0x0C) {
            return Response::status(StatusWord::WrongP1P2);
        }
        let answer = cmd.p2 & 0x0C != 0x0C && cmd.le.is_some();
        match cmd.p1 {
            0x04 => {
                if cmd.data.as_slice() != EMRTD_AID.as_slice() {
                    return Response::status(StatusWord::FileNotFound);
                }
                self.df = Df::Application;
                self.current = None;
                if answer {
                    // FCI with the DF name only (7816-4 §7.4.1).
                    let fci = tlv::to_vec(Tag(0x6F), &tlv::to_vec(Tag(0x84), &EMRTD_AID));
                    return Response::new(fci, StatusWord::Ok);
                }
                Response::status(StatusWord::Ok)
            }
            0x00 | 0x02 => {
                if cmd.p1 == 0x00 && (cmd.data.is_empty() || cmd.data.as_slice() == [0x3F, 0x00]) {
                    self.df = Df::Master;
                    self.current = None;
                    return Response::status(StatusWord::Ok);
                }
                let Ok(fid) = <[u8; 2]>::try_from(cmd.data.as_slice()) else {
                    return Response::status(StatusWord::WrongLength);
                };
                if self.df == Df::Application && !ctx.secure {
                    return Response::status(StatusWord::SecurityStatusNotSatisfied);
                }
                let fid = u16::from_be_bytes(fid);
                let Some(file) = self.by_fid(fid) else { return Response::status(StatusWord::FileNotFound) };
                self.current = Some(file);
                if answer {
                    let size = self.files.get(&file).map_or(0, Vec::len);
                    return Response::new(fcp(size, fid), StatusWord::Ok);
                }
                Response::status(StatusWord::Ok)
            }
            _ => Response::status(StatusWord::WrongP1P2),
        }
    }

    pub(super) fn read_binary(&mut self, cmd: &Command, ctx: Ctx) -> Response {
        let odd = cmd.ins == 0xB1;
        let (file, offset) = if odd {
            let file = match u16::from_be_bytes([cmd.p1, cmd.p2]) {
                0 => self.current,
                n @ 0x0001..=0x001F => self.by_sfi((n & 0x1F) as u8),
                fid => self.by_fid(fid),
            };
            // The offset is DO'54' (7816-4 §11.3.3), one to three bytes in practice.
            let offset = match tlv::Tlv::parse_exact(&cmd.data, Tag(0x54)) {
                Ok(v) if !v.is_empty() && v.len() <= 4 => v.iter().fold(0usize, |acc, &b| (acc << 8) | usize::from(b)),
                _ => return Response::status(StatusWord::WrongData),
            };
            (file, offset)
        } else if cmd.p1 & 0x80 != 0 {
            if cmd.p1 & 0x60 != 0 {
                return Response::status(StatusWord::WrongP1P2);
            }
            (self.by_sfi(cmd.p1 & 0x1F), usize::from(cmd.p2))
        } else {
            if self.current.is_none() {
                // Command not allowed: no current EF (7816-4 §5.6).
                return Response::status(StatusWord::Other(0x6986));
            }
            (self.current, usize::from(u16::from_be_bytes([cmd.p1 & 0x7F, cmd.p2])))
        };
        if !odd && !cmd.data.is_empty() {
            return Response::status(StatusWord::WrongData);
        }
        let Some(file) = file else {
            if self.df == Df::Application && !ctx.secure {
                return Response::status(StatusWord::SecurityStatusNotSatisfied);
            }
            return Response::status(StatusWord::FileNotFound);
        };
        if let Err(sw) = self.access_to(file, ctx) {
            return Response::status(sw);
        }
        self.current = Some(file);
        let Some(ne) = cmd.le else { return Response::status(StatusWord::WrongLength) };
        let content = self.files.get(&file).map(Vec::as_slice).unwrap_or_default();
        let maximal = ne == mrtd::apdu::MAX_EXTENDED_LE || (!ctx.extended && ne == mrtd::apdu::MAX_SHORT_LE);
        read_range(content, offset, ne, maximal, odd, ctx, self.config.le_overflow)
    }
}

/// Bytes taken by DO'53' around `n` bytes of data.
fn wrapped_len(n: usize, wrap: bool) -> usize {
    if !wrap {
        return n;
    }
    let len_len = match n {
        0..=0x7F => 1,
        0x80..=0xFF => 2,
        0x100..=0xFFFF => 3,
        _ => 4,
    };
    1 + len_len + n
}

/// The most data bytes, at most `available`, whose (wrapped) length fits `limit`.
fn fit(available: usize, limit: usize, wrap: bool) -> usize {
    let mut n = available.min(limit);
    // The wrapper takes at most 5 bytes: a few steps down always suffice.
    while n > 0 && wrapped_len(n, wrap) > limit {
        n -= 1;
    }
    n
}

/// READ BINARY's answer for `ne` bytes from `offset`.
fn read_range(
    content: &[u8],
    offset: usize,
    ne: usize,
    maximal: bool,
    wrap: bool,
    ctx: Ctx,
    overflow: LeOverflow,
) -> Response {
    let Some(rest) = content.get(offset..).filter(|r| !r.is_empty()) else {
        return Response::status(StatusWord::WrongParameters);
    };
    let want = fit(rest.len(), ne, wrap);
    if want == 0 {
        // Not even the DO'53' header fits the Le given.
        return Response::status(StatusWord::WrongLength);
    }
    let (n, sw) = if wrapped_len(want, wrap) > ctx.capacity {
        let can = fit(rest.len(), ctx.capacity, wrap);
        match overflow {
            LeOverflow::FewerBytes if can > 0 => (can, StatusWord::Ok),
            LeOverflow::ExactLe if can > 0 && wrapped_len(can, wrap) < 0x100 => {
                return Response::status(StatusWord::WrongLe((wrapped_len(can, wrap) & 0xFF) as u8));
            }
            _ => return Response::status(StatusWord::WrongLength),
        }
    } else if maximal || wrapped_len(want, wrap) == ne {
        (want, StatusWord::Ok)
    } else {
        (want, StatusWord::EndOfFile)
    };
    let data = rest.get(..n).unwrap_or_default();
    let data = if wrap { tlv::to_vec(Tag(0x53), data) } else { data.to_vec() };
    Response::new(data, sw)
}

/// The FCP template of a transparent EF (7816-4 §7.4.3): its size, descriptor and identifier.
fn fcp(size: usize, fid: u16) -> Vec<u8> {
    let mut inner = Vec::new();
    tlv::encode(Tag(0x80), &uint(size), &mut inner);
    tlv::encode(Tag(0x82), &[0x01], &mut inner);
    tlv::encode(Tag(0x83), &fid.to_be_bytes(), &mut inner);
    tlv::to_vec(Tag(0x62), &inner)
}

/// An unsigned number in as few bytes as it takes, at least two (file sizes are given on two bytes at least).
fn uint(n: usize) -> Vec<u8> {
    let bytes = n.to_be_bytes();
    let skip = bytes.iter().take(bytes.len() - 2).take_while(|&&b| b == 0).count();
    bytes.get(skip..).unwrap_or_default().to_vec()
}
