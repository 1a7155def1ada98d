# The diffusion engine's sources (paths relative to core/), added to reverie_core by
# core/CMakeLists.txt. Owned by the engine: SDEs, parameterisations, samplers, likelihood, bench.
set(REVERIE_ENGINE_SOURCES
  sde/sde.cpp
  sde/param.cpp
  solvers/common.cpp
  solvers/pc.cpp
  solvers/ode.cpp
  solvers/exp.cpp
  solvers/edm.cpp
  solvers/likelihood.cpp
  solvers/dlg.cpp
  bench/engine_bench.cpp
)
