// A training recipe (JSON) as `reverie-cli train --recipe` reads it.
#include "target.h"

#include "train/recipe.h"

REVERIE_FUZZ_TARGET(recipe) {
    auto r = reverie::train::parseRecipe(std::string(reverie::fuzz::asText(data, size)), "fuzz.json");
    if (r) (void)reverie::train::learningRate(r.value(), 100);
    return 0;
}
