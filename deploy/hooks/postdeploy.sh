#!/usr/bin/env bash
# azd deploys each service's image to one container app: the first silo (azd-service-name=silo)
# and the primary region's front-end (azd-service-name=frontend). This rolls the same images to the
# other silos and to the front-ends of further regions, which carry the gateway-role tag, so the
# whole fleet runs one build. Needs the Azure CLI (az), signed in as azd is.
set -euo pipefail
: "${AZURE_RESOURCE_GROUP:?azd sets AZURE_RESOURCE_GROUP}"

roll() {
  local role="$1" image="$2"
  [ -n "$image" ] || return 0
  az containerapp list -g "$AZURE_RESOURCE_GROUP" \
      --query "[?tags.\"gateway-role\"=='$role' && tags.\"azd-service-name\"==null].name" -o tsv |
    while read -r app; do
      echo "==> $app: $image"
      az containerapp update -g "$AZURE_RESOURCE_GROUP" -n "$app" --image "$image" --output none
    done
}

roll silo "${SERVICE_SILO_IMAGE_NAME:-}"
roll frontend "${SERVICE_FRONTEND_IMAGE_NAME:-}"
