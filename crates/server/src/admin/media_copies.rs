//! Resized copies of uploaded images, made in the background behind a bounded queue, and
//! for images uploaded before copies were kept, once at start.

use super::AdminState;

/// Resizing runs one at a time: decoding a large photo takes up to 200 MB. The permit goes
/// into the blocking task, so a decode that outlives its request still holds it.
static RESIZING: std::sync::LazyLock<std::sync::Arc<tokio::sync::Semaphore>> =
    std::sync::LazyLock::new(|| std::sync::Arc::new(tokio::sync::Semaphore::new(1)));

/// Uploads whose copies are being made or wait for their turn; past [`MAX_RESIZE_QUEUE`] an
/// upload gets none (it is served at its one size) rather than a longer queue.
static RESIZE_QUEUE: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
const MAX_RESIZE_QUEUE: usize = 8;

/// Takes a place in the resize queue, given back when dropped.
struct QueuePlace;

impl QueuePlace {
    fn take() -> Option<QueuePlace> {
        use std::sync::atomic::Ordering;
        let before = RESIZE_QUEUE.fetch_add(1, Ordering::AcqRel);
        if before >= MAX_RESIZE_QUEUE {
            RESIZE_QUEUE.fetch_sub(1, Ordering::AcqRel);
            return None;
        }
        Some(QueuePlace)
    }
}

impl Drop for QueuePlace {
    fn drop(&mut self) {
        RESIZE_QUEUE.fetch_sub(1, std::sync::atomic::Ordering::AcqRel);
    }
}

/// Makes the resized copies of an upload in the background: the upload is answered at once
/// and the pages offer the copies once they exist. A failure, or a full queue, leaves the
/// original served at its one size; it is logged, not shown, because the upload worked.
pub(super) fn spawn_variants(
    state: AdminState,
    site_id: i64,
    original: String,
    content_type: &str,
    bytes: Vec<u8>,
) {
    let Some(place) = QueuePlace::take() else {
        tracing::warn!(file = %original, "too many uploads waiting to be resized; served at its one size");
        return;
    };
    let kind = content_type.to_string();
    tokio::spawn(async move {
        let _place = place;
        add_variants(&state, site_id, &original, kind, bytes).await;
        state.content_changed().await;
    });
}

/// Gives images uploaded before sizes and copies were kept their size and copies, a few at a
/// time, once at start. One node doing it twice is harmless: the copy names are the same and
/// an index row that exists is refused by its unique name.
pub async fn backfill_images(state: AdminState) {
    let mut done = 0usize;
    loop {
        let batch = match state.inner.editor.images_without_size(20).await {
            Ok(b) if b.is_empty() => break,
            Ok(b) => b,
            Err(e) => {
                tracing::warn!(error = %e, "images uploaded earlier: not sized now");
                return;
            }
        };
        for (site_id, name, content_type) in batch {
            let path = state.inner.media_dir.join(&name);
            let bytes = tokio::fs::read(&path).await.unwrap_or_default();
            let size = imagemeta::display_size(&content_type, &bytes).unwrap_or((0, 0));
            if let Err(e) = state
                .inner
                .editor
                .set_media_size(site_id, &name, size)
                .await
            {
                tracing::warn!(file = %name, error = %e, "images uploaded earlier: not sized now");
                return;
            }
            if size.0 > 0 {
                add_variants(&state, site_id, &name, content_type, bytes).await;
            }
            done += 1;
        }
        state.content_changed().await;
    }
    if done > 0 {
        tracing::info!(
            images = done,
            "images uploaded earlier now have their size and copies"
        );
    }
}

async fn add_variants(
    state: &AdminState,
    site_id: i64,
    original: &str,
    kind: String,
    bytes: Vec<u8>,
) {
    let Ok(turn) = RESIZING.clone().acquire_owned().await else {
        return;
    };
    let made = tokio::task::spawn_blocking(move || {
        let _turn = turn;
        variants::make(&kind, &bytes)
    })
    .await;
    let copies = match made {
        Ok(Ok(copies)) => copies,
        Ok(Err(e)) => {
            tracing::warn!(file = original, error = %e, "no resized copies");
            return;
        }
        Err(e) => {
            tracing::error!(file = original, error = %e, "resizing stopped");
            return;
        }
    };
    for copy in copies {
        let name = crate::media::variant_name(original, copy.width, copy.extension);
        if let Err(e) = crate::media::store(&state.inner.media_dir, &name, &copy.bytes).await {
            tracing::error!(file = %name, error = %e, "storing a resized copy failed");
            return;
        }
        let v = store::NewVariant {
            stored_name: &name,
            content_type: copy.content_type,
            width: copy.width,
            height: copy.height,
            size: copy.bytes.len() as i64,
        };
        if let Err(e) = state
            .inner
            .editor
            .add_media_variant(site_id, original, &v)
            .await
        {
            tracing::error!(file = %name, error = %e, "indexing a resized copy failed");
            return;
        }
    }
}

#[cfg(test)]
mod resize_queue_tests {
    use super::{MAX_RESIZE_QUEUE, QueuePlace};

    #[test]
    fn a_full_resize_queue_turns_uploads_away_until_a_place_is_free() {
        let places: Vec<QueuePlace> = (0..MAX_RESIZE_QUEUE)
            .map(|_| QueuePlace::take().expect("a free place"))
            .collect();
        assert!(QueuePlace::take().is_none(), "the queue is full");
        drop(places);
        assert!(QueuePlace::take().is_some(), "places are given back");
    }
}
