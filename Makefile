# Shortcuts for scripts/dev, which does the set-up (packages, dockerd, .venv) itself.
.PHONY: run test bench setup

run:
	scripts/dev run

test:
	scripts/dev test

# Every benchmark at full size (about 15 minutes); results in bench/results/.
bench:
	scripts/dev bench

setup:
	scripts/dev setup
