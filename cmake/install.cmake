# Install rules: headers, the libraries (shared with a versioned soname, and
# static), a CMake package (find_package(gcomp [COMPONENTS mpi nccl]) with
# imported targets gcomp::gcomp, gcomp::gcomp_static, gcomp::mpi,
# gcomp::nccl) and pkg-config files (gcomp, gcomp-mpi, gcomp-nccl).
include(GNUInstallDirs)
include(CMakePackageConfigHelpers)
set(GCOMP_CMAKE_DIR ${CMAKE_INSTALL_LIBDIR}/cmake/gcomp)

install(FILES ${PROJECT_SOURCE_DIR}/include/gcomp.h ${PROJECT_SOURCE_DIR}/include/gcomp_transport.h
        DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
install(TARGETS gcomp gcomp_static EXPORT gcompTargets
        LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}
        ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR})
install(EXPORT gcompTargets NAMESPACE gcomp:: DESTINATION ${GCOMP_CMAKE_DIR})

set(GCOMP_COMPONENTS "")
if(GCOMP_HAVE_MPI)
  list(APPEND GCOMP_COMPONENTS mpi)
  install(FILES ${PROJECT_SOURCE_DIR}/include/gcomp_mpi.h DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
  install(TARGETS gcomp_mpi gcomp_mpi_static EXPORT gcompMpiTargets
          LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}
          ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR})
  set_target_properties(gcomp_mpi_static PROPERTIES EXPORT_NAME mpi_static)
  install(EXPORT gcompMpiTargets NAMESPACE gcomp:: DESTINATION ${GCOMP_CMAKE_DIR})
endif()
if(GCOMP_HAVE_NCCL)
  list(APPEND GCOMP_COMPONENTS nccl)
  install(FILES ${PROJECT_SOURCE_DIR}/include/gcomp_nccl.h DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
  install(TARGETS gcomp_nccl gcomp_nccl_static EXPORT gcompNcclTargets
          LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}
          ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR})
  set_target_properties(gcomp_nccl_static PROPERTIES EXPORT_NAME nccl_static)
  install(EXPORT gcompNcclTargets NAMESPACE gcomp:: DESTINATION ${GCOMP_CMAKE_DIR})
endif()
if(TARGET gcomp_cli)
  install(TARGETS gcomp_cli RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
endif()

set(GCOMP_CONFIG_HAVE_CUDA ${GCOMP_HAVE_CUDA})
configure_package_config_file(${PROJECT_SOURCE_DIR}/cmake/gcompConfig.cmake.in
  ${PROJECT_BINARY_DIR}/gcompConfig.cmake INSTALL_DESTINATION ${GCOMP_CMAKE_DIR})
write_basic_package_version_file(${PROJECT_BINARY_DIR}/gcompConfigVersion.cmake
  VERSION ${PROJECT_VERSION} COMPATIBILITY SameMinorVersion)
install(FILES ${PROJECT_BINARY_DIR}/gcompConfig.cmake ${PROJECT_BINARY_DIR}/gcompConfigVersion.cmake
        DESTINATION ${GCOMP_CMAKE_DIR})

# pkg-config: one file a library, relocatable (the prefix is found from the
# file's own place, so `cmake --install --prefix` anywhere works).
file(RELATIVE_PATH GCOMP_PC_UP "/p/${CMAKE_INSTALL_LIBDIR}/pkgconfig" "/p")
# The CUDA runtime travels as a private
# dependency of static links; libgcomp.so records it itself.
set(GCOMP_PC_PRIVATE "-lm -lpthread")
if(GCOMP_HAVE_CUDA)
  string(APPEND GCOMP_PC_PRIVATE " -L${CUDAToolkit_LIBRARY_DIR} -lcudart")
endif()
foreach(pc gcomp gcomp-mpi gcomp-nccl)
  if(pc STREQUAL "gcomp-mpi" AND NOT GCOMP_HAVE_MPI)
    continue()
  endif()
  if(pc STREQUAL "gcomp-nccl" AND NOT GCOMP_HAVE_NCCL)
    continue()
  endif()
  configure_file(${PROJECT_SOURCE_DIR}/cmake/${pc}.pc.in ${PROJECT_BINARY_DIR}/${pc}.pc @ONLY)
  install(FILES ${PROJECT_BINARY_DIR}/${pc}.pc DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig)
endforeach()
