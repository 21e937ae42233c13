//! The test harness itself: private pcscds side by side, the child-process guard, the vcard's frames.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic,
    reason = "test helpers fail the test loudly"
)]

use std::time::Duration;

use e2e::Pcscd;
use e2e::vcard::VirtualCard;

#[test]
fn private_pcscds_run_side_by_side_on_distinct_ports() -> Result<(), e2e::Error> {
    let (Some(first), Some(second)) = (Pcscd::start_or_skip()?, Pcscd::start_or_skip()?) else {
        return Ok(());
    };
    assert_ne!(first.socket_path(), second.socket_path());
    let ports = [first.vpcd_port(), first.vpcd_port() + 1];
    assert!(!ports.contains(&second.vpcd_port()) && !ports.contains(&(second.vpcd_port() + 1)));
    assert!(first.socket_path().exists() && second.socket_path().exists());
    let (socket, pid) = (first.socket_path(), first.pid().unwrap());
    drop(first);
    assert!(!socket.exists());
    assert!(!std::path::Path::new(&format!("/proc/{pid}")).exists(), "pcscd {pid} was not reaped");
    Ok(())
}

#[test]
fn reader_state_follows_the_virtual_card() -> Result<(), e2e::Error> {
    e2e::in_private_pcscd("reader_state_follows_the_virtual_card", |pcscd| {
        pcscd.wait_for_reader_state(false, Duration::from_secs(10))?;
        let card = VirtualCard::insert(pcscd.vpcd_port(), VirtualCard::DEFAULT_ATR, |_| vec![0x90, 0x00])?;
        pcscd.wait_for_reader_state(true, Duration::from_secs(10))?;
        card.remove();
        pcscd.wait_for_reader_state(false, Duration::from_secs(10))?;
        let timed_out = pcscd.wait_for_reader_state(true, Duration::from_millis(200));
        assert!(matches!(timed_out, Err(e2e::Error::Timeout { .. })), "{timed_out:?}");
        Ok(())
    })
}

#[test]
fn a_wrong_test_name_fails_instead_of_passing_silently() {
    if std::env::var_os("AUTOGATE_E2E_CHILD").is_some() {
        return;
    }
    match e2e::in_private_pcscd("no_such_test", |_| Ok(())) {
        Err(e2e::Error::ChildRanNoTest { test }) => assert_eq!(test, "no_such_test"),
        // Skipped: no pcscd here and AUTOGATE_E2E_SKIP_PCSCD=1.
        Ok(()) => assert_eq!(std::env::var_os(e2e::SKIP_ENV).as_deref(), Some("1".as_ref())),
        Err(other) => panic!("{other:?}"),
    }
}

#[test]
fn socket_env_is_checked_before_talking_to_pcscd() -> Result<(), e2e::Error> {
    let Some(pcscd) = Pcscd::start_or_skip()? else { return Ok(()) };
    // This process was not started with the private socket in its environment.
    let checked = pcscd.wait_for_reader_state(false, Duration::from_secs(1));
    assert!(matches!(checked, Err(e2e::Error::SocketEnv { .. })), "{checked:?}");
    Ok(())
}

/// Builds the other packages' binaries, so it runs only when asked: `cargo test -p e2e -- --ignored`.
#[test]
#[ignore = "builds gate-daemon and gate-sim"]
fn workspace_binaries_are_built_and_found() -> Result<(), e2e::Error> {
    for (package, bin) in [("gate-daemon", "gate-daemon"), ("sim", "gate-sim")] {
        let path = e2e::workspace_binary(package, bin)?;
        assert!(path.is_file(), "{}", path.display());
        assert!(path.ends_with(format!("debug/{bin}")) || path.ends_with(format!("release/{bin}")));
        // The second call in a process does not build again.
        assert_eq!(e2e::workspace_binary(package, bin)?, path);
    }
    Ok(())
}
