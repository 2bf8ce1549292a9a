# install() rules and the Debian package (`./dev package`, CPack DEB): the
# binary, the systemd unit with its sysusers and tmpfiles snippets, the
# config the service starts on as /etc/loa/loa.json, /etc/loa/credentials/,
# the man page, the logrotate snippet and the documentation. The maintainer
# scripts beside this file create the user and set the owners dpkg cannot.

# `cpack` and `cmake --install` install what is built; they do not build
# every target first (the benchmark, the tests): `./dev package` builds loa.
set(CMAKE_SKIP_INSTALL_ALL_DEPENDENCY ON)

# Debian's layout whatever CMAKE_INSTALL_PREFIX a build folder was configured
# with: relative destinations land under the prefix (CPack: /usr), the
# config under /etc (`DESTDIR=/tmp/x cmake --install build` to try it).
set(LOA_SYSCONFDIR /etc)
set(LOA_DOCDIR share/doc/loa)
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(LOA_PKG ${CMAKE_SOURCE_DIR}/packaging)

if(TARGET loa)
  install(TARGETS loa RUNTIME DESTINATION bin)
endif()
install(FILES systemd/loa.service DESTINATION lib/systemd/system)
install(FILES systemd/loa.sysusers.conf DESTINATION lib/sysusers.d RENAME loa.conf)
install(FILES systemd/loa.tmpfiles.conf DESTINATION lib/tmpfiles.d RENAME loa.conf)
install(FILES man/loa.8 DESTINATION share/man/man8)
install(FILES README.md docs/design.md docs/platforms.md docs/adding-a-channel.md
        DESTINATION ${LOA_DOCDIR})
install(FILES config/loa.example.json DESTINATION ${LOA_DOCDIR}/examples)
# 0640: the postinst gives it to group loa (the package cannot name a group
# that does not exist yet).
install(FILES ${LOA_PKG}/loa.json DESTINATION ${LOA_SYSCONFDIR}/loa
        PERMISSIONS OWNER_READ OWNER_WRITE GROUP_READ)
install(DIRECTORY DESTINATION ${LOA_SYSCONFDIR}/loa/credentials
        DIRECTORY_PERMISSIONS OWNER_READ OWNER_WRITE OWNER_EXECUTE)
install(FILES ${LOA_PKG}/loa.logrotate DESTINATION ${LOA_SYSCONFDIR}/logrotate.d RENAME loa)

set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME loa)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_CONTACT "Sở Tư pháp An Giang <loa@sotuphap.example.gov.vn>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY
    "publishes a department's approved items on schedule to its channels")
set(CPACK_PACKAGE_DESCRIPTION
    "loa takes approved items dropped into an inbox folder, queues them durably \
in SQLite and publishes each at its time to WordPress sites, webhooks, a Facebook \
Page and a Zalo Official Account, recording every attempt.")
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)  # loa_<version>_<arch>.deb
set(CPACK_DEBIAN_PACKAGE_SECTION admin)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
set(CPACK_DEBIAN_PACKAGE_HOMEPAGE "https://sotuphap.example.gov.vn/loa")
# The shared libraries the binary links (libsqlitecpp0, libssl3, libcmark,
# libutf8proc, libsystemd0, ...) with their versions, from dpkg-shlibdeps;
# systemd for sysusers/tmpfiles in the postinst.
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_PACKAGE_DEPENDS "systemd (>= 247), tzdata")
set(CPACK_DEBIAN_PACKAGE_RECOMMENDS "logrotate")
set(CPACK_DEBIAN_PACKAGE_SUGGESTS "samba, sqlite3")
# The files under /etc are conffiles: an upgrade keeps the administrator's edits.
file(WRITE ${CMAKE_BINARY_DIR}/packaging/conffiles
     "${LOA_SYSCONFDIR}/loa/loa.json\n${LOA_SYSCONFDIR}/logrotate.d/loa\n")
set(CPACK_DEBIAN_PACKAGE_CONTROL_EXTRA ${CMAKE_BINARY_DIR}/packaging/conffiles
    ${LOA_PKG}/postinst ${LOA_PKG}/prerm ${LOA_PKG}/postrm)
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION ON)
include(CPack)
