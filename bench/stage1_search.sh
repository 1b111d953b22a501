# bench/stage1_search.sh — sourced by the search benches (search_compare.sh,
# asha_workers.sh): the demo's stage 1 as they search it.
#   stage1_preset ITER NAME OUT   presets/demo/ft_last_layer.ini with its
#                                 schedule scaled to ITER iterations (the
#                                 decays at 1/3, 1/2, 2/3 and 5/6 of it), a
#                                 validation pass every ITER/3 (each rung
#                                 one of them), named NAME, written to OUT
#   stage1_space                  the searched keys as [sweep] lines:
#                                 base_lr x weight_decay, both log ranges
stage1_preset() {
    local iter=$1
    sed -e "s/^max_iter = .*/max_iter = $iter/" \
        -e "s/^stepvalue = .*/stepvalue = $((iter / 3)), $((iter / 2)), $((2 * iter / 3)), $((5 * iter / 6))/" \
        -e "s/^test_interval = .*/test_interval = $((iter / 3))/" -e "s/^name = .*/name = $2/" \
        presets/demo/ft_last_layer.ini > "$3"
}
stage1_space='solver.base_lr = loguniform(0.1, 100)
solver.weight_decay = loguniform(1e-6, 1e-2)'
