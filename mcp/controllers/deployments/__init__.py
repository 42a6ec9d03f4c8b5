"""The Deployment controller's pure decisions: `plan` decides a pass (upstream's
syncDeployment, rolling and Recreate rollouts) on top of `sync` (sync.go's methods and
the pass's state); `actions` is what a plan asks an actor to write; `status` the
Deployment's status and Progressing and Available conditions; `util`, `conditions` and
`templates` port deployment_util.go."""
