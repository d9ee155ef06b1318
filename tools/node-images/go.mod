// Programs of the local node's stand-in images (scripts/node-images.sh): standard library only.
module calico-ad.local/tools/node-images

go 1.26.0
