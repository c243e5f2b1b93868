/// Orders, from creation to completion.
pub mod order_workflow {
    use super::*;
    #[derive(
        State,
        Clone,
        Copy,
        Debug,
        Default,
        PartialEq,
        Eq,
        Hash,
        Serialize,
        Deserialize
    )]
    pub enum OrderStatus {
        #[default]
        Pending,
        Processing,
        Completed,
        Failed,
    }
    #[derive(Event, Clone, Copy, Debug, PartialEq, Eq, Hash)]
    pub enum OrderEvent {
        Create,
        Submit,
        Update,
        Complete,
        Fail,
    }
    fn price_above_10(order: &Order, _: &OrderPayload) -> bool {
        order.price > 10.0
    }
    async fn apply_update(
        order: &mut Order,
        p: &OrderPayload,
    ) -> Result<(), ActionError> {
        order.items.extend(p.items.iter().cloned());
        Ok(())
    }
    fn record_failure(order: &mut Order, _: &OrderPayload) {
        order.items.clear();
    }
    async fn audit(order: &mut Order, _: &OrderPayload) -> Result<(), ActionError> {
        tracing::info!(urn = % order.urn, "submitted");
        Ok(())
    }
    async fn notify(order: &mut Order, _: &OrderPayload) -> Result<(), ActionError> {
        tracing::info!(urn = % order.urn, "processing");
        Ok(())
    }
    /// Orders, from creation to completion.
    ///
    /// ```mermaid
    /// stateDiagram-v2
    ///     [*] --> Pending: Create
    ///     Pending --> Processing: Submit [price_above_10]
    ///     Pending --> Pending: Update / apply_update
    ///     Processing --> Completed: Complete
    ///     Pending --> Failed: Fail / record_failure
    ///     Processing --> Failed: Fail / record_failure
    ///     Completed --> [*]
    ///     Failed --> [*]
    ///     classDef failed fill:#fdd,stroke:#c33
    ///     class Failed failed
    /// ```
    #[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
    pub struct OrderWorkflow;
    /// [`OrderWorkflow`] under the name every workflow module exports.
    #[allow(dead_code)]
    pub type Workflow = OrderWorkflow;
    const _: () = {
        use ::workflow_core::__private as rt;
        impl OrderWorkflow {
            /// The static description of the workflow: states with their kinds,
            /// transitions with guard and action names, topics and handlers.
            pub const DEFINITION: &'static rt::Definition = &rt::Definition {
                name: "OrderWorkflow",
                state_type: "OrderStatus",
                event_type: "OrderEvent",
                states: &[
                    rt::StateInfo {
                        name: "Pending",
                        is_final: false,
                        is_idle: true,
                        is_failed: false,
                    },
                    rt::StateInfo {
                        name: "Processing",
                        is_final: false,
                        is_idle: true,
                        is_failed: false,
                    },
                    rt::StateInfo {
                        name: "Completed",
                        is_final: true,
                        is_idle: true,
                        is_failed: false,
                    },
                    rt::StateInfo {
                        name: "Failed",
                        is_final: true,
                        is_idle: true,
                        is_failed: true,
                    },
                ],
                events: &["Create", "Submit", "Update", "Complete", "Fail"],
                transitions: &[
                    rt::TransitionInfo {
                        from_initial: true,
                        from: &[],
                        to: "Pending",
                        events: &["Create"],
                        guards: &[],
                        actions: &[],
                    },
                    rt::TransitionInfo {
                        from_initial: false,
                        from: &["Pending"],
                        to: "Processing",
                        events: &["Submit"],
                        guards: &["price_above_10"],
                        actions: &[],
                    },
                    rt::TransitionInfo {
                        from_initial: false,
                        from: &["Pending"],
                        to: "Pending",
                        events: &["Update"],
                        guards: &[],
                        actions: &["apply_update"],
                    },
                    rt::TransitionInfo {
                        from_initial: false,
                        from: &["Processing"],
                        to: "Completed",
                        events: &["Complete"],
                        guards: &[],
                        actions: &[],
                    },
                    rt::TransitionInfo {
                        from_initial: false,
                        from: &["Pending", "Processing"],
                        to: "Failed",
                        events: &["Fail"],
                        guards: &[],
                        actions: &["record_failure"],
                    },
                ],
                fallback: rt::None,
                topics: &[
                    rt::TopicBinding {
                        topic: "orders.submitted",
                        event: "Submit",
                    },
                    rt::TopicBinding {
                        topic: "orders.completed",
                        event: "Complete",
                    },
                    rt::TopicBinding {
                        topic: "orders.failed",
                        event: "Fail",
                    },
                ],
                on_event: &[
                    rt::EventHandlerInfo {
                        name: "audit",
                        event: "Submit",
                        order: 1,
                    },
                ],
                on_status_changed: &[
                    rt::StatusHandlerInfo {
                        name: "notify",
                        from: rt::Some("Pending"),
                        to: rt::Some("Processing"),
                        fail_on_error: false,
                    },
                ],
                kafka: rt::KafkaDefaults {
                    brokers: rt::Some("localhost:9092"),
                    group_id: rt::Some("orders"),
                    client_id: rt::None,
                },
            };
            /// The workflow as a Mermaid `stateDiagram-v2`.
            pub const MERMAID: &'static str = "stateDiagram-v2\n    [*] --> Pending: Create\n    Pending --> Processing: Submit [price_above_10]\n    Pending --> Pending: Update / apply_update\n    Processing --> Completed: Complete\n    Pending --> Failed: Fail / record_failure\n    Processing --> Failed: Fail / record_failure\n    Completed --> [*]\n    Failed --> [*]\n    classDef failed fill:#fdd,stroke:#c33\n    class Failed failed\n";
            /// The topic bound to `event` in `topics { .. }`, if any.
            pub fn topic_of(event: OrderEvent) -> rt::Option<&'static str> {
                match event {
                    OrderEvent::Submit => rt::Some("orders.submitted"),
                    OrderEvent::Complete => rt::Some("orders.completed"),
                    OrderEvent::Fail => rt::Some("orders.failed"),
                    _ => rt::None,
                }
            }
            /// The event carried by records of `topic`, if the topic is bound.
            pub fn event_of(topic: &str) -> rt::Option<OrderEvent> {
                match topic {
                    "orders.submitted" => rt::Some(OrderEvent::Submit),
                    "orders.completed" => rt::Some(OrderEvent::Complete),
                    "orders.failed" => rt::Some(OrderEvent::Fail),
                    _ => rt::None,
                }
            }
        }
        impl rt::Workflow for OrderWorkflow {
            type State = OrderStatus;
            type Event = OrderEvent;
            type Entity = Order;
            type Payload = OrderPayload;
            const DEFINITION: &'static rt::Definition = OrderWorkflow::DEFINITION;
            const MERMAID: &'static str = OrderWorkflow::MERMAID;
            const FAILED: rt::Option<OrderStatus> = rt::Some(OrderStatus::Failed);
            const HAS_FALLBACK: bool = false;
            fn is_final(state: OrderStatus) -> bool {
                rt::matches!(state, OrderStatus::Completed | OrderStatus::Failed)
            }
            fn is_idle(_state: OrderStatus) -> bool {
                true
            }
            fn candidates(
                from: rt::Option<OrderStatus>,
                event: OrderEvent,
            ) -> &'static [rt::Candidate<OrderStatus>] {
                match (from, event) {
                    (rt::None, OrderEvent::Create) => {
                        &[
                            rt::Candidate {
                                transition: 0,
                                to: OrderStatus::Pending,
                            },
                        ]
                    }
                    (rt::Some(OrderStatus::Pending), OrderEvent::Submit) => {
                        &[
                            rt::Candidate {
                                transition: 1,
                                to: OrderStatus::Processing,
                            },
                        ]
                    }
                    (rt::Some(OrderStatus::Pending), OrderEvent::Update) => {
                        &[
                            rt::Candidate {
                                transition: 2,
                                to: OrderStatus::Pending,
                            },
                        ]
                    }
                    (rt::Some(OrderStatus::Processing), OrderEvent::Complete) => {
                        &[
                            rt::Candidate {
                                transition: 3,
                                to: OrderStatus::Completed,
                            },
                        ]
                    }
                    (
                        rt::Some(OrderStatus::Pending | OrderStatus::Processing),
                        OrderEvent::Fail,
                    ) => {
                        &[
                            rt::Candidate {
                                transition: 4,
                                to: OrderStatus::Failed,
                            },
                        ]
                    }
                    _ => &[],
                }
            }
            fn automatic(_from: OrderStatus) -> &'static [rt::Candidate<OrderStatus>] {
                &[]
            }
            async fn guards(
                transition: usize,
                entity: &Order,
                payload: &OrderPayload,
            ) -> rt::Result<bool, rt::GuardError> {
                match transition {
                    1 => {
                        rt::GuardOutput::into_guard_result(
                            price_above_10(entity, payload),
                            "price_above_10",
                        )
                    }
                    _ => rt::Ok(true),
                }
            }
            async fn actions(
                transition: usize,
                entity: &mut Order,
                payload: &OrderPayload,
            ) -> rt::Result<(), rt::ActionError> {
                match transition {
                    2 => {
                        rt::ActionOutput::into_action_result(
                            apply_update(entity, payload).await,
                        )
                    }
                    4 => {
                        rt::ActionOutput::into_action_result(
                            record_failure(entity, payload),
                        )
                    }
                    _ => rt::Ok(()),
                }
            }
            async fn on_event(
                event: OrderEvent,
                entity: &mut Order,
                payload: &OrderPayload,
            ) -> rt::Result<(), rt::ActionError> {
                match event {
                    OrderEvent::Submit => {
                        rt::ActionOutput::into_action_result(
                            audit(entity, payload).await,
                        )
                    }
                    _ => rt::Ok(()),
                }
            }
            async fn on_status_changed(
                from: rt::Option<OrderStatus>,
                to: OrderStatus,
                entity: &mut Order,
                payload: &OrderPayload,
            ) -> rt::Result<(), rt::ActionError> {
                if from == rt::Some(OrderStatus::Pending)
                    && to == OrderStatus::Processing
                {
                    if let rt::Err(error) = rt::catch_panic(async {
                            rt::ActionOutput::into_action_result(
                                notify(entity, payload).await,
                            )
                        })
                        .await
                    {
                        rt::ignored_handler_error("notify", &error);
                    }
                }
                rt::Ok(())
            }
            async fn fallback(
                _event: OrderEvent,
                _entity: &mut Order,
                _payload: &OrderPayload,
            ) -> rt::Result<(), rt::ActionError> {
                rt::Ok(())
            }
            fn create(urn: &str) -> Order {
                let mut entity = <Order as rt::Default>::default();
                rt::Entity::set_urn(&mut entity, urn);
                entity
            }
            fn topic_of(event: OrderEvent) -> rt::Option<&'static str> {
                OrderWorkflow::topic_of(event)
            }
            fn event_of(topic: &str) -> rt::Option<OrderEvent> {
                OrderWorkflow::event_of(topic)
            }
        }
        #[allow(dead_code)]
        fn futures_are_send(
            event: OrderEvent,
            state: OrderStatus,
            entity: &mut Order,
            payload: &OrderPayload,
        ) {
            fn assert_send<T: rt::Send>(_: &T) {}
            assert_send(&<OrderWorkflow as rt::Workflow>::guards(0, entity, payload));
            assert_send(&<OrderWorkflow as rt::Workflow>::actions(0, entity, payload));
            assert_send(
                &<OrderWorkflow as rt::Workflow>::on_event(event, entity, payload),
            );
            assert_send(
                &<OrderWorkflow as rt::Workflow>::on_status_changed(
                    rt::None,
                    state,
                    entity,
                    payload,
                ),
            );
            assert_send(
                &<OrderWorkflow as rt::Workflow>::fallback(event, entity, payload),
            );
        }
    };
}
