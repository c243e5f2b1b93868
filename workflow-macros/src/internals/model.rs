//! Stage 2: names resolved to variants.
//!
//! Each state or event named in `transitions!` or a handler attribute becomes a [`Named`]
//! (variant index + the identifier as written, for spans). A name that matches no variant is
//! an error with a suggestion; the rest of the model is still built, marked incomplete, so
//! that the checks that cannot be misled by a missing piece still run.

use std::collections::HashMap;

use proc_macro2::{Ident, Span};
use quote::format_ident;
use syn::{Attribute, ItemMod, LitStr, Path, Type};

use super::errors::Errors;
use super::parse::args::{Args, Kafka};
use super::parse::module::Scan;
use super::parse::transitions::{Line, Setting, Source, Transitions};
use super::runtime::Runtime;
use super::suggest;

/// A state or event as named in the source, resolved.
#[derive(Clone)]
pub struct Named {
    /// The variant's position in its enum.
    pub index: usize,
    /// The name as written where it was used.
    pub ident: Ident,
}

/// A guard, action, handler or fallback function.
#[derive(Clone)]
pub struct Callable {
    /// The path as written.
    pub path: Path,
    /// The path as a string, for the definition and error messages.
    pub name: String,
    /// Whether it is an `async fn` of the module (functions from elsewhere count as sync).
    pub is_async: bool,
    /// The span of the function's name as written, where rustc reports a wrong signature.
    pub span: Span,
}

/// One transition line.
pub struct Transition {
    /// The span of `[*]`, when it is among the sources.
    pub initial: Option<Span>,
    /// The named sources that resolved.
    pub from: Vec<Named>,
    /// The target, if it resolved.
    pub to: Option<Named>,
    /// The events that resolved; empty and `automatic_only` for a line without `on`.
    pub events: Vec<Named>,
    /// Whether the line has no `on`.
    pub automatic_only: bool,
    /// Guards, in order.
    pub guards: Vec<Callable>,
    /// Actions, in order.
    pub actions: Vec<Callable>,
}

/// `"topic" => Event`.
pub struct TopicBinding {
    /// The topic.
    pub topic: LitStr,
    /// The event, if it resolved.
    pub event: Option<Named>,
}

/// The state machine proper: what a workflow and a bare machine share.
pub struct Machine {
    /// The generated type's name.
    pub name: Ident,
    /// The state enum.
    pub state_ty: Ident,
    /// Its variants, in declaration order.
    pub states: Vec<Ident>,
    /// The event enum.
    pub event_ty: Ident,
    /// Its variants, in declaration order.
    pub events: Vec<Ident>,
    /// The transitions, in declaration order.
    pub transitions: Vec<Transition>,
    /// `finals`.
    pub finals: Vec<Named>,
    /// `idles`.
    pub idles: Vec<Named>,
    /// `failed`.
    pub failed: Option<Named>,
    /// `fallback`.
    pub fallback: Option<Callable>,
    /// `topics`.
    pub topics: Vec<TopicBinding>,
    /// Whether every name resolved. The checks that look at the whole graph only run on a
    /// complete model: a typo must give one error, not also "unreachable" and "no way out".
    pub complete: bool,
}

impl Machine {
    /// Whether state `index` is listed in `finals`.
    pub fn is_final(&self, index: usize) -> bool {
        self.finals.iter().any(|n| n.index == index)
    }

    /// Whether state `index` is listed in `idles`.
    pub fn is_idle(&self, index: usize) -> bool {
        self.idles.iter().any(|n| n.index == index)
    }

    /// Neither idle nor final: the engine leaves it at once by an automatic transition.
    pub fn is_transient(&self, index: usize) -> bool {
        !self.is_idle(index) && !self.is_final(index)
    }

    /// The target of transition `t`. Only called on complete models, where every target
    /// resolved; the out-of-range fallback would panic at once if that ever changed.
    pub fn target(&self, t: &Transition) -> usize {
        t.to.as_ref().map_or(usize::MAX, |n| n.index)
    }
}

/// An `#[on_event(Event, order = n)]` function.
pub struct EventHandler {
    /// The function.
    pub function: Callable,
    /// The event.
    pub event: Named,
    /// Its rank among the event's handlers.
    pub order: i32,
}

/// An `#[on_status_changed(from = A, to = B, fail_on_error = bool)]` function.
pub struct StatusHandler {
    /// The function.
    pub function: Callable,
    /// The state left (`None`: any).
    pub from: Option<Named>,
    /// The state entered (`None`: any).
    pub to: Option<Named>,
    /// Whether a failure fails the transition.
    pub fail_on_error: bool,
}

/// A `#[workflow]` module, resolved.
pub struct Workflow {
    /// The state machine.
    pub machine: Machine,
    /// `<crate>::__private`.
    pub krate: Path,
    /// The module's name.
    pub module: Ident,
    /// The module's doc comments, carried over to the workflow type.
    pub docs: Vec<Attribute>,
    /// The entity type.
    pub entity: Type,
    /// The payload type.
    pub payload: Type,
    /// `create = path`.
    pub create: Option<Path>,
    /// Kafka defaults.
    pub kafka: KafkaDefaults,
    /// `#[on_event]` handlers in declaration order.
    pub on_event: Vec<EventHandler>,
    /// `#[on_status_changed]` handlers in declaration order.
    pub on_status_changed: Vec<StatusHandler>,
    /// Whether to emit `pub type Workflow = TheType;`.
    pub alias: bool,
}

/// `kafka(..)` values.
#[derive(Clone, Default)]
pub struct KafkaDefaults {
    /// Bootstrap servers.
    pub brokers: Option<LitStr>,
    /// Consumer group.
    pub group_id: Option<LitStr>,
    /// Client id.
    pub client_id: Option<LitStr>,
}

impl From<&Kafka> for KafkaDefaults {
    fn from(kafka: &Kafka) -> Self {
        KafkaDefaults {
            brokers: kafka.brokers.clone(),
            group_id: kafka.group_id.clone(),
            client_id: kafka.client_id.clone(),
        }
    }
}

/// A bare machine from `transitions! { machine .. }`.
pub struct BareMachine {
    /// The state machine.
    pub machine: Machine,
    /// `<crate>::__private`.
    pub krate: Path,
}

/// The variants of one enum, for resolving names against it.
struct Variants<'a> {
    kind: &'static str,
    type_name: &'a Ident,
    variants: &'a [Ident],
    by_name: HashMap<String, usize>,
}

impl<'a> Variants<'a> {
    fn new(kind: &'static str, type_name: &'a Ident, variants: &'a [Ident]) -> Self {
        let by_name = variants
            .iter()
            .enumerate()
            .map(|(i, v)| (v.to_string(), i))
            .collect();
        Variants {
            kind,
            type_name,
            variants,
            by_name,
        }
    }

    /// The variant `ident` names, or an error with a suggestion.
    fn resolve(&self, ident: &Ident, complete: &mut bool, errors: &mut Errors) -> Option<Named> {
        match self.by_name.get(&ident.to_string()) {
            Some(&index) => Some(Named {
                index,
                ident: ident.clone(),
            }),
            None => {
                *complete = false;
                errors.push(suggest::unknown(
                    self.kind,
                    ident,
                    self.type_name,
                    self.variants,
                ));
                None
            }
        }
    }
}

/// The workflow type's default name: `order_workflow` → `OrderWorkflow`, `door` →
/// `DoorWorkflow`.
pub fn default_name(module: &Ident) -> Ident {
    let module = module.to_string();
    let mut name: String = module
        .trim_start_matches("r#")
        .split('_')
        .filter(|part| !part.is_empty())
        .map(|part| {
            let mut chars = part.chars();
            chars
                .next()
                .map_or_else(String::new, |c| c.to_uppercase().chain(chars).collect())
        })
        .collect();
    if !name.ends_with("Workflow") {
        name.push_str("Workflow");
    }
    format_ident!("{}", name, span = Span::call_site())
}

/// Resolves a `#[workflow]` module. `None` when a piece the model cannot do without is
/// missing (an enum, `transitions!`, the entity or payload type); the error is recorded.
pub fn workflow(
    module: &ItemMod,
    args: &Args,
    scan: &Scan,
    krate: Path,
    errors: &mut Errors,
) -> Option<Workflow> {
    let missing_enum = |derive: &str, example: &str| {
        format!(
            "the workflow module must declare its `#[derive({derive})]` enum inside it, so the \
             macro can see every variant, e.g. `#[derive({derive}, Clone, Copy, Debug, PartialEq, Eq, Hash)] pub enum {example}`"
        )
    };
    if scan.states.is_none() {
        errors.at(
            module.ident.span(),
            missing_enum("State", "OrderStatus { Pending, Done }"),
        );
    }
    if scan.events.is_none() {
        errors.at(
            module.ident.span(),
            missing_enum("Event", "OrderEvent { Create, Finish }"),
        );
    }
    if args.entity.is_none() && !args.failed {
        errors.at(args.span, "`#[workflow]` needs `entity = YourEntity`");
    }
    if args.payload.is_none() && !args.failed {
        errors.at(
            args.span,
            "`#[workflow]` needs `payload = YourPayload` (use `()` for none)",
        );
    }
    let (Some(states), Some(events), Some(transitions), Some(entity), Some(payload)) = (
        &scan.states,
        &scan.events,
        &scan.transitions,
        &args.entity,
        &args.payload,
    ) else {
        return None;
    };
    if let Some(header) = &transitions.header {
        errors.at(header.name.span(), "`machine ..;` is for a bare `transitions!`; a workflow module names its type with `#[workflow(name = ..)]`");
    }
    if let Some(krate) = &transitions.krate {
        errors.at(
            krate.key.span(),
            "inside a workflow module, give `crate = ..` to `#[workflow(..)]`",
        );
    }

    let name = args
        .name
        .clone()
        .unwrap_or_else(|| default_name(&module.ident));
    let state_names = Variants::new("state", &states.ident, &states.variants);
    let event_names = Variants::new("event", &events.ident, &events.variants);
    let mut machine = resolve_machine(
        transitions,
        name,
        (&states.ident, &states.variants),
        (&events.ident, &events.variants),
        &scan.functions,
        errors,
    );

    let mut complete = machine.complete;
    let mut on_event = Vec::new();
    for (function, attr) in &scan.on_event {
        if let Some(event) = event_names.resolve(&attr.event, &mut complete, errors) {
            let function = callable(&Path::from(function.clone()), &scan.functions);
            on_event.push(EventHandler {
                function,
                event,
                order: attr.order,
            });
        }
    }
    let mut on_status_changed = Vec::new();
    for (function, attr) in &scan.on_status_changed {
        // `Option<Option<Named>>` → outer `None`: the name did not resolve (error recorded).
        let mut resolve = |state: &Option<Ident>| match state {
            Some(state) => state_names.resolve(state, &mut complete, errors).map(Some),
            None => Some(None),
        };
        if let (Some(from), Some(to)) = (resolve(&attr.from), resolve(&attr.to)) {
            on_status_changed.push(StatusHandler {
                function: callable(&Path::from(function.clone()), &scan.functions),
                from,
                to,
                fail_on_error: attr.fail_on_error.as_ref().is_none_or(|b| b.value),
            });
        }
    }
    machine.complete = complete;

    Some(Workflow {
        alias: !scan.has_workflow_name && machine.name != "Workflow",
        machine,
        krate,
        module: module.ident.clone(),
        docs: module
            .attrs
            .iter()
            .filter(|a| a.path().is_ident("doc"))
            .cloned()
            .collect(),
        entity: entity.clone(),
        payload: payload.clone(),
        create: args.create.clone(),
        kafka: KafkaDefaults::from(&args.kafka),
        on_event,
        on_status_changed,
    })
}

/// Resolves a bare `transitions! { machine Name(S, E); .. }`. Its enums are generated from
/// the names used, so every name resolves; what can go wrong is the header missing, or
/// workflow-only parts (guards, actions, fallback, topics) being present.
pub fn bare_machine(
    parsed: &Transitions,
    runtime: Runtime,
    errors: &mut Errors,
) -> Option<BareMachine> {
    let Some(header) = &parsed.header else {
        let span = parsed
            .lines
            .first()
            .and_then(|l| l.sources.first())
            .map_or_else(Span::call_site, Source::span);
        errors.at(
            span,
            "a bare `transitions!` starts with `machine Name(StateEnum, EventEnum);`; \
             inside a `#[workflow]` module, check that the attribute is on the module",
        );
        return None;
    };
    for line in &parsed.lines {
        if let Some(token) = &line.if_token {
            errors.at(
                token.span,
                "a bare machine has no guards: guards need a `#[workflow]` module",
            );
        }
        if let Some(token) = &line.do_token {
            errors.at(
                token.span,
                "a bare machine has no actions: actions need a `#[workflow]` module",
            );
        }
    }
    for key in [
        parsed.fallback.as_ref().map(|s| &s.key),
        parsed.topics.as_ref().map(|s| &s.key),
    ]
    .into_iter()
    .flatten()
    {
        errors.at(
            key.span(),
            format!("a bare machine has no `{key}`: it needs a `#[workflow]` module"),
        );
    }

    let mut states: Vec<Ident> = Vec::new();
    let mut events: Vec<Ident> = Vec::new();
    let add = |list: &mut Vec<Ident>, ident: &Ident| {
        if !list.iter().any(|known| known == ident) {
            list.push(ident.clone());
        }
    };
    for line in &parsed.lines {
        for source in &line.sources {
            if let Source::State(state) = source {
                add(&mut states, state);
            }
        }
        add(&mut states, &line.target);
        for event in &line.events {
            add(&mut events, event);
        }
    }
    let listed = parsed
        .finals
        .iter()
        .chain(&parsed.idles)
        .flat_map(|s| &s.value);
    for state in listed.chain(parsed.failed.as_ref().map(|s| &s.value)) {
        add(&mut states, state);
    }
    if states.is_empty() {
        errors.at(
            header.name.span(),
            "a machine needs at least one transition",
        );
        return None;
    }
    if events.is_empty() {
        errors.at(
            header.name.span(),
            "a machine needs at least one event (`on Event`)",
        );
        return None;
    }
    let machine = resolve_machine(
        parsed,
        header.name.clone(),
        (&header.state_ty, &states),
        (&header.event_ty, &events),
        &HashMap::new(),
        errors,
    );
    let krate = runtime.private_path(parsed.krate.as_ref().map(|s| &s.value));
    Some(BareMachine { machine, krate })
}

fn resolve_machine(
    parsed: &Transitions,
    name: Ident,
    (state_ty, states): (&Ident, &[Ident]),
    (event_ty, events): (&Ident, &[Ident]),
    functions: &HashMap<String, bool>,
    errors: &mut Errors,
) -> Machine {
    let state_names = Variants::new("state", state_ty, states);
    let event_names = Variants::new("event", event_ty, events);
    let mut complete = true;
    let transitions = parsed
        .lines
        .iter()
        .map(|line| {
            resolve_line(
                line,
                &state_names,
                &event_names,
                functions,
                &mut complete,
                errors,
            )
        })
        .collect();
    let finals = state_list(parsed.finals.as_ref(), &state_names, &mut complete, errors);
    let idles = state_list(parsed.idles.as_ref(), &state_names, &mut complete, errors);
    let failed = parsed
        .failed
        .as_ref()
        .and_then(|s| state_names.resolve(&s.value, &mut complete, errors));
    let topics = parsed.topics.as_ref().map_or_else(Vec::new, |s| {
        s.value
            .iter()
            .map(|t| TopicBinding {
                topic: t.topic.clone(),
                event: event_names.resolve(&t.event, &mut complete, errors),
            })
            .collect()
    });
    Machine {
        name,
        state_ty: state_ty.clone(),
        states: states.to_vec(),
        event_ty: event_ty.clone(),
        events: events.to_vec(),
        transitions,
        finals,
        idles,
        failed,
        fallback: parsed
            .fallback
            .as_ref()
            .map(|s| callable(&s.value, functions)),
        topics,
        complete,
    }
}

/// `finals = [..]` or `idles = [..]`, resolved; a name listed twice is an error.
fn state_list(
    setting: Option<&Setting<Vec<Ident>>>,
    states: &Variants,
    complete: &mut bool,
    errors: &mut Errors,
) -> Vec<Named> {
    let Some(setting) = setting else {
        return Vec::new();
    };
    let mut resolved: Vec<Named> = Vec::new();
    for ident in &setting.value {
        if resolved.iter().any(|n| n.ident == *ident) {
            errors.at(
                ident.span(),
                format!("`{ident}` is listed twice in `{}`", setting.key),
            );
        } else if let Some(named) = states.resolve(ident, complete, errors) {
            resolved.push(named);
        }
    }
    resolved
}

fn resolve_line(
    line: &Line,
    states: &Variants,
    events: &Variants,
    functions: &HashMap<String, bool>,
    complete: &mut bool,
    errors: &mut Errors,
) -> Transition {
    let mut initial = None;
    let mut from = Vec::new();
    for source in &line.sources {
        match source {
            Source::Initial(span) if initial.is_some() => errors.at(*span, "`[*]` is listed twice"),
            Source::Initial(span) => initial = Some(*span),
            Source::State(ident) if from.iter().any(|n: &Named| n.ident == *ident) => {
                errors.at(
                    ident.span(),
                    format!("`{ident}` is listed twice among the sources"),
                );
            }
            Source::State(ident) => from.extend(states.resolve(ident, complete, errors)),
        }
    }
    let to = states.resolve(&line.target, complete, errors);
    let mut resolved_events: Vec<Named> = Vec::new();
    for ident in &line.events {
        if resolved_events.iter().any(|n| n.ident == *ident) {
            errors.at(
                ident.span(),
                format!("`{ident}` is listed twice among the events"),
            );
        } else {
            resolved_events.extend(events.resolve(ident, complete, errors));
        }
    }
    Transition {
        initial,
        from,
        to,
        events: resolved_events,
        automatic_only: line.events.is_empty(),
        guards: line.guards.iter().map(|p| callable(p, functions)).collect(),
        actions: line
            .actions
            .iter()
            .map(|p| callable(p, functions))
            .collect(),
    }
}

/// A function named by `path`: `async` when it is an `async fn` of the module.
fn callable(path: &Path, functions: &HashMap<String, bool>) -> Callable {
    let is_async = path
        .get_ident()
        .is_some_and(|i| functions.get(&i.to_string()) == Some(&true));
    let name = path
        .segments
        .iter()
        .map(|s| s.ident.to_string())
        .collect::<Vec<_>>()
        .join("::");
    let name = if path.leading_colon.is_some() {
        format!("::{name}")
    } else {
        name
    };
    let span = path
        .segments
        .last()
        .map_or_else(Span::call_site, |s| s.ident.span());
    Callable {
        path: path.clone(),
        name,
        is_async,
        span,
    }
}
