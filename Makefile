# Shortcuts for scripts/dev, which does the set-up (packages, dockerd, .venv) itself.
.PHONY: run test bench setup

run:
	scripts/dev run

test:
	scripts/dev test

# Every benchmark at full size (about 30 minutes, 13 of them the Pods); results in bench/results/.
bench:
	scripts/dev bench

setup:
	scripts/dev setup
