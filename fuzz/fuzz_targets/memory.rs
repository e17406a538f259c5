//! Guest memory views with arbitrary pointers and lengths: `str`, `bytes`,
//! `decode` and `write` must never panic, and must accept exactly the ranges
//! that lie inside the memory (computed here in 64-bit arithmetic, so a
//! wrap-around past 4 GiB cannot hide).

#![no_main]

use gohost::__private::GuestMemory;
use libfuzzer_sys::fuzz_target;

fn word(b: &[u8], at: usize) -> i32 {
    let mut w = [0u8; 4];
    for (i, x) in w.iter_mut().enumerate() {
        *x = b.get(at + i).copied().unwrap_or(0);
    }
    i32::from_le_bytes(w)
}

fuzz_target!(|data: &[u8]| {
    if data.len() < 9 {
        return;
    }
    // The memory: up to 128 KiB, filled from the rest of the input.
    let size = (word(data, 0) as u32 as usize) % (128 << 10);
    let fill = &data[9..];
    let mut mem: Vec<u8> = if fill.is_empty() {
        vec![0; size]
    } else {
        fill.iter().copied().cycle().take(size).collect()
    };
    // Pointers and lengths near the edges are where bugs live: let one
    // byte pick an edge and the words offset from it.
    let edge = |sel: u8, w: i32| -> i32 {
        match sel % 4 {
            0 => w,
            1 => (size as i32).wrapping_add(w % 64),
            2 => i32::MAX.wrapping_add(w % 64),
            _ => (-1i32).wrapping_sub(w % 64),
        }
    };
    let op = data[8];
    let ptr = edge(op, word(data, 4));
    let len = edge(op / 4, word(data, 4).rotate_left(16));
    let inside = u64::from(ptr as u32) + u64::from(len as u32) <= size as u64;

    let mut m = GuestMemory::new(&mut mem);
    assert_eq!(m.len(), size);
    match (op / 16) % 5 {
        0 => assert_eq!(
            m.bytes(ptr, len).is_ok(),
            inside,
            "bytes({ptr:#x}, {len:#x}) in {size}"
        ),
        1 => {
            // Text never fails inside memory (it is decoded lossily), and
            // always does outside it.
            let r = m.text(ptr, len);
            assert_eq!(r.is_ok(), inside, "text({ptr:#x}, {len:#x}) in {size}");
        }
        2 => {
            if m.decode::<Vec<Option<String>>>(ptr, len).is_ok() {
                assert!(inside);
            }
        }
        3 => {
            let _ = m.decode::<&str>(ptr, len);
            let _ = m.decode::<Vec<Vec<u8>>>(ptr, len);
        }
        _ => {
            // Writes: a slice of the input's length at ptr.
            let src = &fill[..fill.len().min(len as u32 as usize)];
            let fits = u64::from(ptr as u32) + src.len() as u64 <= size as u64;
            assert_eq!(
                m.write(ptr, src).is_ok(),
                fits,
                "write({ptr:#x}, {}) in {size}",
                src.len()
            );
            if fits {
                assert_eq!(m.bytes(ptr, src.len() as i32).ok(), Some(src));
            }
            let _ = m.write_u32(ptr, len as u32);
        }
    }
});
