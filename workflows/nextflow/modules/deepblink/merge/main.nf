process DEEPBLINK_MERGE {
    tag "${meta.id}"
    label 'process_single'

    // No deepblink container or conda package is published yet: set `process.container` (an
    // image with Node.js ≥ 20 and `npm install -g deepblink`) or have `deepblink` on PATH.

    input:
    tuple val(meta), path(parts, stageAs: 'parts/*')

    output:
    tuple val(meta), path("${prefix}.csv"), emit: spots
    tuple val("${task.process}"), val('deepblink'), eval("deepblink --version | sed 's/^deepblink //'"), emit: versions_deepblink, topic: versions

    when:
    task.ext.when == null || task.ext.when

    script:
    def args = task.ext.args ?: ''
    prefix = task.ext.prefix ?: "${meta.id}"
    """
    deepblink merge \\
        ${parts} \\
        --output ${prefix}.csv \\
        ${args}
    """

    stub:
    prefix = task.ext.prefix ?: "${meta.id}"
    """
    touch ${prefix}.csv
    """
}
