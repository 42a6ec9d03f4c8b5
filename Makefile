# Shortcuts for scripts/dev, which does the set-up (packages, dockerd, .venv) itself.
.PHONY: run test setup lint

run:
	scripts/dev run

test:
	scripts/dev test

setup:
	scripts/dev setup
