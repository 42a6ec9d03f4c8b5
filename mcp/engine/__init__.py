"""The reconcile engine: one pass makes Docker match one object, in four parts.

    read      the actor: the object from the watch cache, its container from Docker
              (`Situation`)
    decide    `decide.decide`, pure: every decision of the pass (`Decision`): the steps,
              what holds them back (a back-off, a name clash), adoption, replacement,
              the policy restart
    act       `execute.execute`: runs the steps through the Docker adapter, stops at the
              first that fails, and says what happened (`Outcome`); no decisions
    settle    `settle.settle`, pure: from the pass's situation, decision, outcome and
              Docker's view after it, the status to report, the events to record, what
              the actor remembers, and when to run again (`Settlement`, as
              controller-runtime's `Result`)

Level-based, as controller-runtime's reconcile: a pass looks only at the current desired
state and the current observation (plus the few facts an actor keeps between passes, as
the kubelet keeps its back-offs in memory), so running it again after a crash or a
missed event is always safe.
"""
