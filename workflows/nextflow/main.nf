#!/usr/bin/env nextflow
// Example pipeline (not tested: see README.md): every image cut into params.parts parts, one
// DEEPBLINK_PREDICT task per image × part, then DEEPBLINK_MERGE per image → OUTDIR/<name>.csv.
//
//   nextflow run workflows/nextflow/main.nf --images 'images/*.tif' --parts 16 --outdir results
// (defaults: nextflow.config)

include { DEEPBLINK_PREDICT } from './modules/deepblink/predict/main'
include { DEEPBLINK_MERGE   } from './modules/deepblink/merge/main'

workflow {
    // [ meta, image ], meta.id = deepblink's name for the image (file name without its last extension)
    images = channel.fromPath(params.images, checkIfExists: true, type: 'any') // 'any': OME-Zarr images are folders
        .map { f -> [ [ id: f.name.replaceFirst(/\.[^.]+$/, '') ], f ] }

    jobs = images
        .combine(channel.of(1..params.parts))
        .map { meta, image, part -> [ meta, image, part, params.parts ] }

    DEEPBLINK_PREDICT(jobs, params.model ? file(params.model, checkIfExists: true) : [])

    // an image's parts, passed on as soon as all of them are there
    grouped = DEEPBLINK_PREDICT.out.parts
        .map { meta, part -> [ groupKey(meta, params.parts), part ] }
        .groupTuple()
        .map { key, parts -> [ key.getGroupTarget(), parts.flatten() ] }

    DEEPBLINK_MERGE(grouped)
}
