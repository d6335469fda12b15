process DEEPBLINK_PREDICT {
    tag "${meta.id} ${part}/${parts}"
    label 'process_medium'

    // No deepblink container or conda package is published yet: set `process.container` (an
    // image with Node.js ≥ 20 and `npm install -g deepblink`) or have `deepblink` on PATH.

    input:
    tuple val(meta), path(image), val(part), val(parts)
    path(model)

    output:
    tuple val(meta), path("*.part-*-of-*.json"), emit: parts
    tuple val("${task.process}"), val('deepblink'), eval("deepblink --version | sed 's/^deepblink //'"), emit: versions_deepblink, topic: versions

    when:
    task.ext.when == null || task.ext.when

    script:
    def args = task.ext.args ?: ''
    def model_arg = model ? "--model ${model}" : ''
    """
    deepblink predict \\
        ${image} \\
        --part ${part}/${parts} \\
        --output . \\
        --threads ${task.cpus} \\
        ${model_arg} \\
        ${args}
    """

    stub:
    // deepblink names its outputs after the image without its last extension (cells.ome.tif → cells.ome)
    def name = image.name.replaceAll('/+$', '')
    def stem = name.lastIndexOf('.') > 0 ? name[0..name.lastIndexOf('.') - 1] : name
    """
    touch ${stem}.part-${part}-of-${parts}.json
    """
}
