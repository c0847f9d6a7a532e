#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# vbdback lab: run one scenario (tests/lab/scenarios/NAME.sh) in dom0 with
# tests/lab/lib.sh loaded. The scenario records failures with lab_fail and
# friends; lab_end cleans up after it and prints its verdict line.

name=${1:?usage: run-scenario.sh NAME}
# shellcheck source=tests/lab/lib.sh
. "$LAB_REPO/tests/lab/lib.sh"
lab_begin "$name"
trap 'lab_fail "terminated (scenario timeout)"; lab_end; exit 1' TERM INT
# shellcheck source=/dev/null
. "$LAB_REPO/tests/lab/scenarios/$name.sh"
lab_end
