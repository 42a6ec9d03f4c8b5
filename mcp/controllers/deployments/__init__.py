"""The Deployment controller: `plan` decides a pass (pure), `util` ports deployment_util, `status`
computes the Deployment's status and its Progressing and Available conditions."""
