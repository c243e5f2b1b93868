//! Where entities live: the `EntityStore` trait and the in-memory `MemoryStore`.

use std::collections::HashMap;
use std::future::Future;
use std::sync::{Arc, Mutex};

use crate::Entity;

/// An entity's version, for optimistic concurrency: every successful save increments it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Version(pub u64);

/// Where a message came from: an opaque stream name (for Kafka, `topic/partition`) and the
/// message's sequence number in it (the offset).
///
/// The store keeps, per entity, the highest sequence it applied for each stream, so that a
/// redelivered message is recognised and skipped (effectively-once processing).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Position {
    /// The stream's name, e.g. `orders.submitted/3`.
    pub stream: Arc<str>,
    /// The message's sequence number in that stream.
    pub sequence: i64,
}

impl Position {
    /// A position in `stream` at `sequence`.
    pub fn new(stream: impl Into<Arc<str>>, sequence: i64) -> Self {
        Self {
            stream: stream.into(),
            sequence,
        }
    }
}

/// An entity as loaded, with the version to save against and the positions applied so far.
#[derive(Debug, Clone, PartialEq)]
pub struct Loaded<T> {
    /// The entity.
    pub entity: T,
    /// Its version; pass it back to [`EntityStore::save`].
    pub version: Version,
    /// For each stream, the highest sequence applied to this entity.
    pub applied: Vec<Position>,
}

impl<T> Loaded<T> {
    /// Whether the message at `position` was already applied to this entity.
    pub fn has_applied(&self, position: &Position) -> bool {
        self.applied
            .iter()
            .any(|p| p.stream == position.stream && p.sequence >= position.sequence)
    }
}

/// Why a store operation failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StoreError {
    /// The entity changed since it was loaded (or was created by someone else): reload and
    /// re-evaluate.
    #[error("version conflict on `{urn}`: expected {expected:?}, found {actual:?}")]
    Conflict {
        /// The URN.
        urn: String,
        /// The version the save expected (`None`: the entity must not exist yet).
        expected: Option<Version>,
        /// The version found.
        actual: Option<Version>,
    },
    /// The backend failed; a retry may succeed.
    #[error("store unavailable: {0}")]
    Unavailable(String),
}

/// Persistence for one entity type, with optimistic concurrency.
///
/// Implementations must make `save` atomic: it succeeds only when the stored version equals
/// `expected` (`None`: nothing stored yet), and then records the entity, a new version and,
/// when given, the message `position` as applied.
///
/// Both methods return `Send` futures so an engine can run on a multi-threaded runtime.
/// An implementation may use `async fn` directly:
///
/// ```
/// use workflow_core::{Entity, EntityStore, Loaded, MemoryStore, Position, StoreError, Version};
///
/// /// Counts the saves of an inner store.
/// struct Counting<S> { inner: S, saves: std::sync::atomic::AtomicUsize }
///
/// impl<T: Entity, S: EntityStore<T>> EntityStore<T> for Counting<S> {
///     async fn load(&self, urn: &str) -> Result<Option<Loaded<T>>, StoreError> {
///         self.inner.load(urn).await
///     }
///     async fn save(
///         &self, entity: &T, expected: Option<Version>, position: Option<&Position>,
///     ) -> Result<Version, StoreError> {
///         self.saves.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
///         self.inner.save(entity, expected, position).await
///     }
/// }
/// ```
pub trait EntityStore<T: Entity>: Send + Sync + 'static {
    /// The entity with `urn`, if stored.
    fn load(&self, urn: &str)
    -> impl Future<Output = Result<Option<Loaded<T>>, StoreError>> + Send;

    /// Stores `entity` if its stored version is still `expected`, recording `position` as
    /// applied; returns the new version.
    fn save(
        &self,
        entity: &T,
        expected: Option<Version>,
        position: Option<&Position>,
    ) -> impl Future<Output = Result<Version, StoreError>> + Send;
}

impl<T: Entity, S: EntityStore<T>> EntityStore<T> for Arc<S> {
    fn load(
        &self,
        urn: &str,
    ) -> impl Future<Output = Result<Option<Loaded<T>>, StoreError>> + Send {
        (**self).load(urn)
    }

    fn save(
        &self,
        entity: &T,
        expected: Option<Version>,
        position: Option<&Position>,
    ) -> impl Future<Output = Result<Version, StoreError>> + Send {
        (**self).save(entity, expected, position)
    }
}

/// An in-memory [`EntityStore`] with real version checks, for tests, examples and
/// single-process services that do not need durability.
///
/// Cloning shares the same storage.
///
/// ```
/// use workflow_core::{EntityStore, MemoryStore, StoreError, Version};
/// # #[derive(workflow_core::State, Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
/// # enum S { #[default] A }
/// # #[derive(workflow_core::Entity, Clone, Debug, Default, PartialEq)]
/// # struct Thing { #[urn] urn: String, #[status] status: S }
/// # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
/// let store = MemoryStore::new();
/// let thing = Thing { urn: "t-1".into(), status: S::A };
/// let v1 = store.save(&thing, None, None).await.unwrap();
/// assert_eq!(v1, Version(1));
/// // A second writer that also believed the entity was new loses:
/// let err = store.save(&thing, None, None).await.unwrap_err();
/// assert!(matches!(err, StoreError::Conflict { .. }));
/// # });
/// ```
#[derive(Debug)]
pub struct MemoryStore<T> {
    records: Arc<Mutex<HashMap<String, Loaded<T>>>>,
}

impl<T> Clone for MemoryStore<T> {
    fn clone(&self) -> Self {
        Self {
            records: Arc::clone(&self.records),
        }
    }
}

impl<T> Default for MemoryStore<T> {
    fn default() -> Self {
        Self {
            records: Arc::new(Mutex::new(HashMap::new())),
        }
    }
}

impl<T: Clone> MemoryStore<T> {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }

    /// A copy of the entity stored under `urn`, without its version.
    pub fn get(&self, urn: &str) -> Option<T> {
        self.lock().get(urn).map(|r| r.entity.clone())
    }

    /// How many entities are stored.
    pub fn len(&self) -> usize {
        self.lock().len()
    }

    /// Whether the store is empty.
    pub fn is_empty(&self) -> bool {
        self.lock().is_empty()
    }

    /// A copy of every stored entity, in no particular order.
    pub fn entities(&self) -> Vec<T> {
        self.lock().values().map(|r| r.entity.clone()).collect()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, Loaded<T>>> {
        // A panic while holding the lock cannot leave a record half-written (every write is
        // one `insert`), so a poisoned lock is safe to keep using.
        self.records
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

impl<T: Entity> EntityStore<T> for MemoryStore<T> {
    async fn load(&self, urn: &str) -> Result<Option<Loaded<T>>, StoreError> {
        Ok(self.lock().get(urn).cloned())
    }

    async fn save(
        &self,
        entity: &T,
        expected: Option<Version>,
        position: Option<&Position>,
    ) -> Result<Version, StoreError> {
        let mut records = self.lock();
        let urn = entity.urn();
        let current = records.get_mut(urn);
        let actual = current.as_ref().map(|r| r.version);
        if actual != expected {
            return Err(StoreError::Conflict {
                urn: urn.to_owned(),
                expected,
                actual,
            });
        }
        match current {
            Some(record) => {
                record.entity = entity.clone();
                record.version = Version(record.version.0 + 1);
                if let Some(position) = position {
                    record_position(&mut record.applied, position);
                }
                Ok(record.version)
            }
            None => {
                let applied = position.cloned().into_iter().collect();
                let record = Loaded {
                    entity: entity.clone(),
                    version: Version(1),
                    applied,
                };
                records.insert(urn.to_owned(), record);
                Ok(Version(1))
            }
        }
    }
}

/// Raises the high-water mark of `position`'s stream in `applied`.
fn record_position(applied: &mut Vec<Position>, position: &Position) {
    match applied.iter_mut().find(|p| p.stream == position.stream) {
        Some(p) => p.sequence = p.sequence.max(position.sequence),
        None => applied.push(position.clone()),
    }
}
