//! Workflows for the dispatch benchmark: the same shape at 5 and at 50 states.
//!
//! Generated as BENCHMARKS.md describes ("Regenerating the wide workflows");
//! the shape is what matters: 4 events per state, a guard and an action on every transition.

use workflow_kafka::prelude::*;

/// The entity of the 5-state workflow.
#[derive(Entity, Clone, Debug, Default, PartialEq)]
pub struct Wide5 {
    /// The URN.
    #[urn]
    pub urn: String,
    /// Bumped by every transition.
    pub counter: u64,
    /// The state.
    #[status]
    pub status: wide5::Wide5State,
}

/// The entity of the 50-state workflow.
#[derive(Entity, Clone, Debug, Default, PartialEq)]
pub struct Wide50 {
    /// The URN.
    #[urn]
    pub urn: String,
    /// Bumped by every transition.
    pub counter: u64,
    /// The state.
    #[status]
    pub status: wide50::Wide50State,
}

/// A workflow with 5 idle states, 4 events and 21 transitions (one `[*]` entry
/// plus 20), each with a guard and an action.
///
/// For every state `Si`: `E0` and `E3` loop on `Si`, `E1` goes to `S(i+1)`, `E2` to `S(i+2)`.
/// The transitions are declared event by event, so `S0 on E0` is the first and
/// `S4 on E3` the last declared.
#[workflow(entity = Wide5, payload = ())]
pub mod wide5 {
    use super::*;

    /// The states.
    #[derive(State, Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
    pub enum Wide5State {
        #[default]
        /// State 0.
        S0,
        /// State 1.
        S1,
        /// State 2.
        S2,
        /// State 3.
        S3,
        /// State 4.
        S4,
    }

    /// The events.
    #[derive(Event, Clone, Copy, Debug, PartialEq, Eq, Hash)]
    pub enum Wide5Event {
        /// Loops.
        E0,
        /// Moves one state on.
        E1,
        /// Moves two states on.
        E2,
        /// Loops (declared last).
        E3,
    }

    transitions! {
        [*] -> S0 on E0 do bump;
        S0 -> S0 on E0 if pass do bump;
        S1 -> S1 on E0 if pass do bump;
        S2 -> S2 on E0 if pass do bump;
        S3 -> S3 on E0 if pass do bump;
        S4 -> S4 on E0 if pass do bump;
        S0 -> S1 on E1 if pass do bump;
        S1 -> S2 on E1 if pass do bump;
        S2 -> S3 on E1 if pass do bump;
        S3 -> S4 on E1 if pass do bump;
        S4 -> S0 on E1 if pass do bump;
        S0 -> S2 on E2 if pass do bump;
        S1 -> S3 on E2 if pass do bump;
        S2 -> S4 on E2 if pass do bump;
        S3 -> S0 on E2 if pass do bump;
        S4 -> S1 on E2 if pass do bump;
        S0 -> S0 on E3 if pass do bump;
        S1 -> S1 on E3 if pass do bump;
        S2 -> S2 on E3 if pass do bump;
        S3 -> S3 on E3 if pass do bump;
        S4 -> S4 on E3 if pass do bump;

        idles = [S0, S1, S2, S3, S4];
    }

    fn pass(entity: &Wide5, _: &()) -> bool {
        entity.counter < u64::MAX
    }

    fn bump(entity: &mut Wide5, _: &()) {
        entity.counter += 1;
    }
}

/// A workflow with 50 idle states, 4 events and 201 transitions (one `[*]` entry
/// plus 200), each with a guard and an action.
///
/// For every state `Si`: `E0` and `E3` loop on `Si`, `E1` goes to `S(i+1)`, `E2` to `S(i+2)`.
/// The transitions are declared event by event, so `S0 on E0` is the first and
/// `S49 on E3` the last declared.
#[workflow(entity = Wide50, payload = ())]
pub mod wide50 {
    use super::*;

    /// The states.
    #[derive(State, Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
    pub enum Wide50State {
        #[default]
        /// State 0.
        S0,
        /// State 1.
        S1,
        /// State 2.
        S2,
        /// State 3.
        S3,
        /// State 4.
        S4,
        /// State 5.
        S5,
        /// State 6.
        S6,
        /// State 7.
        S7,
        /// State 8.
        S8,
        /// State 9.
        S9,
        /// State 10.
        S10,
        /// State 11.
        S11,
        /// State 12.
        S12,
        /// State 13.
        S13,
        /// State 14.
        S14,
        /// State 15.
        S15,
        /// State 16.
        S16,
        /// State 17.
        S17,
        /// State 18.
        S18,
        /// State 19.
        S19,
        /// State 20.
        S20,
        /// State 21.
        S21,
        /// State 22.
        S22,
        /// State 23.
        S23,
        /// State 24.
        S24,
        /// State 25.
        S25,
        /// State 26.
        S26,
        /// State 27.
        S27,
        /// State 28.
        S28,
        /// State 29.
        S29,
        /// State 30.
        S30,
        /// State 31.
        S31,
        /// State 32.
        S32,
        /// State 33.
        S33,
        /// State 34.
        S34,
        /// State 35.
        S35,
        /// State 36.
        S36,
        /// State 37.
        S37,
        /// State 38.
        S38,
        /// State 39.
        S39,
        /// State 40.
        S40,
        /// State 41.
        S41,
        /// State 42.
        S42,
        /// State 43.
        S43,
        /// State 44.
        S44,
        /// State 45.
        S45,
        /// State 46.
        S46,
        /// State 47.
        S47,
        /// State 48.
        S48,
        /// State 49.
        S49,
    }

    /// The events.
    #[derive(Event, Clone, Copy, Debug, PartialEq, Eq, Hash)]
    pub enum Wide50Event {
        /// Loops.
        E0,
        /// Moves one state on.
        E1,
        /// Moves two states on.
        E2,
        /// Loops (declared last).
        E3,
    }

    transitions! {
        [*] -> S0 on E0 do bump;
        S0 -> S0 on E0 if pass do bump;
        S1 -> S1 on E0 if pass do bump;
        S2 -> S2 on E0 if pass do bump;
        S3 -> S3 on E0 if pass do bump;
        S4 -> S4 on E0 if pass do bump;
        S5 -> S5 on E0 if pass do bump;
        S6 -> S6 on E0 if pass do bump;
        S7 -> S7 on E0 if pass do bump;
        S8 -> S8 on E0 if pass do bump;
        S9 -> S9 on E0 if pass do bump;
        S10 -> S10 on E0 if pass do bump;
        S11 -> S11 on E0 if pass do bump;
        S12 -> S12 on E0 if pass do bump;
        S13 -> S13 on E0 if pass do bump;
        S14 -> S14 on E0 if pass do bump;
        S15 -> S15 on E0 if pass do bump;
        S16 -> S16 on E0 if pass do bump;
        S17 -> S17 on E0 if pass do bump;
        S18 -> S18 on E0 if pass do bump;
        S19 -> S19 on E0 if pass do bump;
        S20 -> S20 on E0 if pass do bump;
        S21 -> S21 on E0 if pass do bump;
        S22 -> S22 on E0 if pass do bump;
        S23 -> S23 on E0 if pass do bump;
        S24 -> S24 on E0 if pass do bump;
        S25 -> S25 on E0 if pass do bump;
        S26 -> S26 on E0 if pass do bump;
        S27 -> S27 on E0 if pass do bump;
        S28 -> S28 on E0 if pass do bump;
        S29 -> S29 on E0 if pass do bump;
        S30 -> S30 on E0 if pass do bump;
        S31 -> S31 on E0 if pass do bump;
        S32 -> S32 on E0 if pass do bump;
        S33 -> S33 on E0 if pass do bump;
        S34 -> S34 on E0 if pass do bump;
        S35 -> S35 on E0 if pass do bump;
        S36 -> S36 on E0 if pass do bump;
        S37 -> S37 on E0 if pass do bump;
        S38 -> S38 on E0 if pass do bump;
        S39 -> S39 on E0 if pass do bump;
        S40 -> S40 on E0 if pass do bump;
        S41 -> S41 on E0 if pass do bump;
        S42 -> S42 on E0 if pass do bump;
        S43 -> S43 on E0 if pass do bump;
        S44 -> S44 on E0 if pass do bump;
        S45 -> S45 on E0 if pass do bump;
        S46 -> S46 on E0 if pass do bump;
        S47 -> S47 on E0 if pass do bump;
        S48 -> S48 on E0 if pass do bump;
        S49 -> S49 on E0 if pass do bump;
        S0 -> S1 on E1 if pass do bump;
        S1 -> S2 on E1 if pass do bump;
        S2 -> S3 on E1 if pass do bump;
        S3 -> S4 on E1 if pass do bump;
        S4 -> S5 on E1 if pass do bump;
        S5 -> S6 on E1 if pass do bump;
        S6 -> S7 on E1 if pass do bump;
        S7 -> S8 on E1 if pass do bump;
        S8 -> S9 on E1 if pass do bump;
        S9 -> S10 on E1 if pass do bump;
        S10 -> S11 on E1 if pass do bump;
        S11 -> S12 on E1 if pass do bump;
        S12 -> S13 on E1 if pass do bump;
        S13 -> S14 on E1 if pass do bump;
        S14 -> S15 on E1 if pass do bump;
        S15 -> S16 on E1 if pass do bump;
        S16 -> S17 on E1 if pass do bump;
        S17 -> S18 on E1 if pass do bump;
        S18 -> S19 on E1 if pass do bump;
        S19 -> S20 on E1 if pass do bump;
        S20 -> S21 on E1 if pass do bump;
        S21 -> S22 on E1 if pass do bump;
        S22 -> S23 on E1 if pass do bump;
        S23 -> S24 on E1 if pass do bump;
        S24 -> S25 on E1 if pass do bump;
        S25 -> S26 on E1 if pass do bump;
        S26 -> S27 on E1 if pass do bump;
        S27 -> S28 on E1 if pass do bump;
        S28 -> S29 on E1 if pass do bump;
        S29 -> S30 on E1 if pass do bump;
        S30 -> S31 on E1 if pass do bump;
        S31 -> S32 on E1 if pass do bump;
        S32 -> S33 on E1 if pass do bump;
        S33 -> S34 on E1 if pass do bump;
        S34 -> S35 on E1 if pass do bump;
        S35 -> S36 on E1 if pass do bump;
        S36 -> S37 on E1 if pass do bump;
        S37 -> S38 on E1 if pass do bump;
        S38 -> S39 on E1 if pass do bump;
        S39 -> S40 on E1 if pass do bump;
        S40 -> S41 on E1 if pass do bump;
        S41 -> S42 on E1 if pass do bump;
        S42 -> S43 on E1 if pass do bump;
        S43 -> S44 on E1 if pass do bump;
        S44 -> S45 on E1 if pass do bump;
        S45 -> S46 on E1 if pass do bump;
        S46 -> S47 on E1 if pass do bump;
        S47 -> S48 on E1 if pass do bump;
        S48 -> S49 on E1 if pass do bump;
        S49 -> S0 on E1 if pass do bump;
        S0 -> S2 on E2 if pass do bump;
        S1 -> S3 on E2 if pass do bump;
        S2 -> S4 on E2 if pass do bump;
        S3 -> S5 on E2 if pass do bump;
        S4 -> S6 on E2 if pass do bump;
        S5 -> S7 on E2 if pass do bump;
        S6 -> S8 on E2 if pass do bump;
        S7 -> S9 on E2 if pass do bump;
        S8 -> S10 on E2 if pass do bump;
        S9 -> S11 on E2 if pass do bump;
        S10 -> S12 on E2 if pass do bump;
        S11 -> S13 on E2 if pass do bump;
        S12 -> S14 on E2 if pass do bump;
        S13 -> S15 on E2 if pass do bump;
        S14 -> S16 on E2 if pass do bump;
        S15 -> S17 on E2 if pass do bump;
        S16 -> S18 on E2 if pass do bump;
        S17 -> S19 on E2 if pass do bump;
        S18 -> S20 on E2 if pass do bump;
        S19 -> S21 on E2 if pass do bump;
        S20 -> S22 on E2 if pass do bump;
        S21 -> S23 on E2 if pass do bump;
        S22 -> S24 on E2 if pass do bump;
        S23 -> S25 on E2 if pass do bump;
        S24 -> S26 on E2 if pass do bump;
        S25 -> S27 on E2 if pass do bump;
        S26 -> S28 on E2 if pass do bump;
        S27 -> S29 on E2 if pass do bump;
        S28 -> S30 on E2 if pass do bump;
        S29 -> S31 on E2 if pass do bump;
        S30 -> S32 on E2 if pass do bump;
        S31 -> S33 on E2 if pass do bump;
        S32 -> S34 on E2 if pass do bump;
        S33 -> S35 on E2 if pass do bump;
        S34 -> S36 on E2 if pass do bump;
        S35 -> S37 on E2 if pass do bump;
        S36 -> S38 on E2 if pass do bump;
        S37 -> S39 on E2 if pass do bump;
        S38 -> S40 on E2 if pass do bump;
        S39 -> S41 on E2 if pass do bump;
        S40 -> S42 on E2 if pass do bump;
        S41 -> S43 on E2 if pass do bump;
        S42 -> S44 on E2 if pass do bump;
        S43 -> S45 on E2 if pass do bump;
        S44 -> S46 on E2 if pass do bump;
        S45 -> S47 on E2 if pass do bump;
        S46 -> S48 on E2 if pass do bump;
        S47 -> S49 on E2 if pass do bump;
        S48 -> S0 on E2 if pass do bump;
        S49 -> S1 on E2 if pass do bump;
        S0 -> S0 on E3 if pass do bump;
        S1 -> S1 on E3 if pass do bump;
        S2 -> S2 on E3 if pass do bump;
        S3 -> S3 on E3 if pass do bump;
        S4 -> S4 on E3 if pass do bump;
        S5 -> S5 on E3 if pass do bump;
        S6 -> S6 on E3 if pass do bump;
        S7 -> S7 on E3 if pass do bump;
        S8 -> S8 on E3 if pass do bump;
        S9 -> S9 on E3 if pass do bump;
        S10 -> S10 on E3 if pass do bump;
        S11 -> S11 on E3 if pass do bump;
        S12 -> S12 on E3 if pass do bump;
        S13 -> S13 on E3 if pass do bump;
        S14 -> S14 on E3 if pass do bump;
        S15 -> S15 on E3 if pass do bump;
        S16 -> S16 on E3 if pass do bump;
        S17 -> S17 on E3 if pass do bump;
        S18 -> S18 on E3 if pass do bump;
        S19 -> S19 on E3 if pass do bump;
        S20 -> S20 on E3 if pass do bump;
        S21 -> S21 on E3 if pass do bump;
        S22 -> S22 on E3 if pass do bump;
        S23 -> S23 on E3 if pass do bump;
        S24 -> S24 on E3 if pass do bump;
        S25 -> S25 on E3 if pass do bump;
        S26 -> S26 on E3 if pass do bump;
        S27 -> S27 on E3 if pass do bump;
        S28 -> S28 on E3 if pass do bump;
        S29 -> S29 on E3 if pass do bump;
        S30 -> S30 on E3 if pass do bump;
        S31 -> S31 on E3 if pass do bump;
        S32 -> S32 on E3 if pass do bump;
        S33 -> S33 on E3 if pass do bump;
        S34 -> S34 on E3 if pass do bump;
        S35 -> S35 on E3 if pass do bump;
        S36 -> S36 on E3 if pass do bump;
        S37 -> S37 on E3 if pass do bump;
        S38 -> S38 on E3 if pass do bump;
        S39 -> S39 on E3 if pass do bump;
        S40 -> S40 on E3 if pass do bump;
        S41 -> S41 on E3 if pass do bump;
        S42 -> S42 on E3 if pass do bump;
        S43 -> S43 on E3 if pass do bump;
        S44 -> S44 on E3 if pass do bump;
        S45 -> S45 on E3 if pass do bump;
        S46 -> S46 on E3 if pass do bump;
        S47 -> S47 on E3 if pass do bump;
        S48 -> S48 on E3 if pass do bump;
        S49 -> S49 on E3 if pass do bump;

        idles = [S0, S1, S2, S3, S4, S5, S6, S7, S8, S9, S10, S11, S12, S13, S14, S15, S16, S17, S18, S19, S20, S21, S22, S23, S24, S25, S26, S27, S28, S29, S30, S31, S32, S33, S34, S35, S36, S37, S38, S39, S40, S41, S42, S43, S44, S45, S46, S47, S48, S49];
    }

    fn pass(entity: &Wide50, _: &()) -> bool {
        entity.counter < u64::MAX
    }

    fn bump(entity: &mut Wide50, _: &()) {
        entity.counter += 1;
    }
}
