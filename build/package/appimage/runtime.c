/*
 * Fasten's AppImage runtime: the ELF at the head of Fasten-VERSION-x86_64.AppImage.
 *
 * An AppImage (type 2) is this program with a squashfs image of the AppDir
 * appended; bytes 8..10 of the ELF header read 'A' 'I' 2 (written by
 * build/package/linux.sh after linking). Debian packages no AppImage runtime
 * or appimagetool, and nothing outside Debian's and the language registries
 * can be fetched on the build machines, so this one is built here, from
 * Debian's squashfuse library (the same one the AppImage project's runtime
 * uses to read and mount the image) and libfuse3, both linked statically so
 * the AppImage needs nothing from the host but the kernel (and, to mount
 * without root, the fusermount3 helper every FUSE3 desktop has).
 *
 * Behaviour follows the AppImage type 2 conventions:
 *   (no --appimage-* option)    mount the image with FUSE, run AppRun from it,
 *                               unmount when the app and its children are gone;
 *                               without FUSE, fall back to extract-and-run (a
 *                               family double-clicking it sees the app either
 *                               way, only slower to start)
 *   --appimage-extract-and-run  (or APPIMAGE_EXTRACT_AND_RUN=1) extract into a
 *                               fresh temporary folder, run AppRun, remove it
 *   --appimage-extract          extract into ./squashfs-root
 *   --appimage-mount            mount, print the mount point, wait for a signal
 *   --appimage-offset           print where the image starts
 *   --appimage-help, --appimage-version
 * AppRun gets APPIMAGE (this file), APPDIR (the mounted or extracted folder),
 * ARGV0 and OWD (the folder it was started from) in its environment.
 */
#define _GNU_SOURCE
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

/* squashfuse's config.h sets an older _POSIX_C_SOURCE; features.h has already
 * been read with _GNU_SOURCE, so this only silences the redefinition. */
#undef _POSIX_C_SOURCE
#include "squashfuse.h"
#include "ll.h"

#ifndef RUNTIME_VERSION
#define RUNTIME_VERSION "unversioned"
#endif

static const char *prog = "appimage";

static void die(const char *what)
{
	fprintf(stderr, "%s: %s\n", prog, what);
	exit(1);
}

/* The image starts where the ELF ends: after the section header table, or
 * after the last segment if that lies further (the linker places the section
 * headers last, but nothing in the ELF format promises it). */
static off_t elf_size(const char *path)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	Elf64_Ehdr eh;
	off_t end = -1;
	if (pread(fd, &eh, sizeof eh, 0) != (ssize_t)sizeof eh ||
	    memcmp(eh.e_ident, ELFMAG, SELFMAG) != 0 || eh.e_ident[EI_CLASS] != ELFCLASS64)
		goto out;
	end = (off_t)eh.e_shoff + (off_t)eh.e_shentsize * eh.e_shnum;
	for (int i = 0; i < eh.e_phnum; i++) {
		Elf64_Phdr ph;
		if (pread(fd, &ph, sizeof ph, eh.e_phoff + (off_t)i * eh.e_phentsize) != (ssize_t)sizeof ph) {
			end = -1;
			goto out;
		}
		if ((off_t)(ph.p_offset + ph.p_filesz) > end)
			end = (off_t)(ph.p_offset + ph.p_filesz);
	}
	/* The image must really be there: a clear message beats a squashfs error. */
	char magic[4];
	if (pread(fd, magic, 4, end) != 4 || memcmp(magic, "hsqs", 4) != 0)
		end = -1;
out:
	close(fd);
	return end;
}

/* ---- extraction ------------------------------------------------------ */

/* A name from the image never climbs out of the destination folder. */
static bool safe_relative(const char *p)
{
	if (p[0] == '/')
		return false;
	for (const char *s = p; *s;) {
		const char *e = strchrnul(s, '/');
		if (e - s == 2 && s[0] == '.' && s[1] == '.')
			return false;
		s = *e ? e + 1 : e;
	}
	return true;
}

static int write_file(sqfs *fs, sqfs_inode *inode, const char *path, mode_t mode)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, mode);
	if (fd < 0)
		return -1;
	static char buf[1 << 17];
	off_t size = (off_t)inode->xtra.reg.file_size, pos = 0;
	while (pos < size) {
		sqfs_off_t n = (size - pos) < (off_t)sizeof buf ? size - pos : (off_t)sizeof buf;
		if (sqfs_read_range(fs, inode, pos, &n, buf) != SQFS_OK || n <= 0)
			goto fail;
		for (sqfs_off_t w = 0; w < n;) {
			ssize_t k = write(fd, buf + w, n - w);
			if (k < 0) {
				if (errno == EINTR)
					continue;
				goto fail;
			}
			w += k;
		}
		pos += n;
	}
	return close(fd);
fail:
	close(fd);
	return -1;
}

/* Writes every directory, regular file and symlink of the image under dest
 * (created if missing). Devices, fifos and sockets have no place in an AppDir
 * and are skipped; set-id bits are dropped. */
static int extract(const char *image, off_t offset, const char *dest)
{
	sqfs fs;
	if (sqfs_open_image(&fs, image, (size_t)offset) != SQFS_OK)
		return -1;
	if (mkdir(dest, 0755) != 0 && errno != EEXIST) {
		perror(dest);
		return -1;
	}
	sqfs_traverse trv;
	if (sqfs_traverse_open(&trv, &fs, sqfs_inode_root(&fs)) != SQFS_OK)
		return -1;
	sqfs_err err = SQFS_OK;
	int rc = 0;
	char path[PATH_MAX];
	while (rc == 0 && sqfs_traverse_next(&trv, &err)) {
		if (trv.dir_end)
			continue;
		if (!safe_relative(trv.path) ||
		    snprintf(path, sizeof path, "%s/%s", dest, trv.path) >= (int)sizeof path) {
			fprintf(stderr, "%s: refusing an unsafe name in the image\n", prog);
			rc = -1;
			break;
		}
		sqfs_inode inode;
		if (sqfs_inode_get(&fs, &inode, sqfs_dentry_inode(&trv.entry)) != SQFS_OK) {
			rc = -1;
			break;
		}
		mode_t perm = inode.base.mode & 0777;
		switch (inode.base.inode_type) {
		case SQUASHFS_DIR_TYPE:
		case SQUASHFS_LDIR_TYPE:
			/* Owner keeps rwx so the contents can be written and removed. */
			if (mkdir(path, perm | 0700) != 0 && errno != EEXIST)
				rc = -1;
			break;
		case SQUASHFS_REG_TYPE:
		case SQUASHFS_LREG_TYPE:
			rc = write_file(&fs, &inode, path, perm | 0600);
			break;
		case SQUASHFS_SYMLINK_TYPE:
		case SQUASHFS_LSYMLINK_TYPE: {
			char target[PATH_MAX];
			size_t len = sizeof target;
			if (sqfs_readlink(&fs, &inode, target, &len) != SQFS_OK) {
				rc = -1;
				break;
			}
			unlink(path);
			rc = symlink(target, path);
			break;
		}
		default:
			break;
		}
		if (rc != 0)
			fprintf(stderr, "%s: cannot extract %s: %s\n", prog, trv.path, strerror(errno));
	}
	if (err != SQFS_OK)
		rc = -1;
	sqfs_traverse_close(&trv);
	sqfs_destroy(&fs);
	close(fs.fd);
	return rc;
}

static int remove_entry(const char *p, const struct stat *st, int flag, struct FTW *f)
{
	(void)st; (void)flag; (void)f;
	return remove(p);
}

/* ---- running AppRun -------------------------------------------------- */

static void set_env(const char *self, const char *appdir, const char *argv0)
{
	char cwd[PATH_MAX];
	setenv("APPIMAGE", self, 1);
	setenv("APPDIR", appdir, 1);
	setenv("ARGV0", argv0, 1);
	if (getcwd(cwd, sizeof cwd))
		setenv("OWD", cwd, 1);
}

static void exec_apprun(const char *appdir, char **args)
{
	char apprun[PATH_MAX];
	snprintf(apprun, sizeof apprun, "%s/AppRun", appdir);
	args[0] = apprun;
	execv(apprun, args);
	fprintf(stderr, "%s: cannot run %s: %s\n", prog, apprun, strerror(errno));
	_exit(127);
}

static const char *tmpdir(void)
{
	const char *t = getenv("TMPDIR");
	return t && *t ? t : "/tmp";
}

static pid_t child;
static void forward_signal(int sig)
{
	if (child > 0)
		kill(child, sig);
}

/* args: argv with args[0] to be replaced by AppRun; the rest are the app's. */
static int extract_and_run(const char *self, off_t offset, const char *argv0, char **args)
{
	char dir[PATH_MAX];
	snprintf(dir, sizeof dir, "%s/appimage_extracted_XXXXXX", tmpdir());
	if (!mkdtemp(dir)) {
		perror(dir);
		return 1;
	}
	if (extract(self, offset, dir) != 0) {
		nftw(dir, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
		die("cannot extract the image");
	}
	set_env(self, dir, argv0);
	child = fork();
	if (child < 0)
		die("fork failed");
	if (child == 0)
		exec_apprun(dir, args);
	/* The app gets the signals a terminal or session sends us; the folder is
	 * removed once it has exited. */
	struct sigaction sa = {.sa_handler = forward_signal};
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	int status = 0;
	while (waitpid(child, &status, 0) < 0 && errno == EINTR)
		;
	if (!getenv("NO_CLEANUP"))
		nftw(dir, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
	if (WIFSIGNALED(status))
		return 128 + WTERMSIG(status);
	return WEXITSTATUS(status);
}

/* ---- mounting -------------------------------------------------------- */

struct server {
	sqfs_ll_chan ch;
	const char *mountpoint;
	int keepalive;
};

/* When the last holder of the keep-alive pipe (the app and whatever it
 * started) is gone, unmount: the kernel then ends the session loop. */
static void *watch_keepalive(void *arg)
{
	struct server *s = arg;
	char c;
	while (read(s->keepalive, &c, 1) > 0 || errno == EINTR)
		;
	fuse_session_exit(s->ch.session);
	fuse_session_unmount(s->ch.session);
	return NULL;
}

/* Runs in a child process: serves the image at mountpoint, writes 's' (or
 * 'f') to ready once it knows, serves until the keep-alive pipe closes. */
static int serve(const char *self, off_t offset, const char *mountpoint, int ready, int keepalive)
{
	/* A Ctrl+C in the terminal reaches the whole process group: the app
	 * decides; the server stays until the app is gone, or the mount would
	 * be left dangling under it. */
	signal(SIGINT, SIG_IGN);
	signal(SIGHUP, SIG_IGN);
	signal(SIGTERM, SIG_IGN);
	sqfs_ll *ll = sqfs_ll_open(self, (size_t)offset);
	if (!ll)
		goto fail;
	struct fuse_lowlevel_ops ops = {
		.getattr = sqfs_ll_op_getattr,
		.opendir = sqfs_ll_op_opendir,
		.releasedir = sqfs_ll_op_releasedir,
		.readdir = sqfs_ll_op_readdir,
		.lookup = sqfs_ll_op_lookup,
		.open = sqfs_ll_op_open,
		.create = sqfs_ll_op_create,
		.release = sqfs_ll_op_release,
		.read = sqfs_ll_op_read,
		.readlink = sqfs_ll_op_readlink,
		.listxattr = sqfs_ll_op_listxattr,
		.getxattr = sqfs_ll_op_getxattr,
		.forget = sqfs_ll_op_forget,
		.statfs = stfs_ll_op_statfs,
	};
	char fsname[PATH_MAX + 16];
	/* fsname names the AppImage in mount listings; a comma would split it. */
	if (strchr(self, ','))
		snprintf(fsname, sizeof fsname, "ro,nodev,nosuid");
	else
		snprintf(fsname, sizeof fsname, "ro,nodev,nosuid,fsname=%s", self);
	char *fargv[] = {(char *)prog, "-o", fsname, NULL};
	struct fuse_args args = FUSE_ARGS_INIT(3, fargv);
	struct server s = {.mountpoint = mountpoint, .keepalive = keepalive};
	if (sqfs_ll_mount(&s.ch, mountpoint, &args, &ops, sizeof ops, ll) != SQFS_OK)
		goto fail;
	if (write(ready, "s", 1) != 1)
		return 1;
	close(ready);
	pthread_t watcher;
	pthread_create(&watcher, NULL, watch_keepalive, &s);
	fuse_session_loop(s.ch.session);
	pthread_join(watcher, NULL);
	fuse_session_destroy(s.ch.session);
	rmdir(mountpoint);
	return 0;
fail:
	(void)!write(ready, "f", 1);
	return 1;
}

/* Mounts the image and execs AppRun from it in this process (so the app
 * keeps our pid). Returns only when mounting failed. */
static void mount_and_run(const char *self, off_t offset, const char *argv0, char **args, bool print_only)
{
	char dir[PATH_MAX];
	const char *base = strrchr(self, '/');
	base = base ? base + 1 : self;
	snprintf(dir, sizeof dir, "%s/.mount_%.6sXXXXXX", tmpdir(), base);
	if (!mkdtemp(dir))
		return;
	int ready[2], keep[2];
	if (pipe2(ready, O_CLOEXEC) != 0 || pipe(keep) != 0)
		return;
	pid_t pid = fork();
	if (pid < 0)
		return;
	if (pid == 0) {
		close(ready[0]);
		close(keep[1]);
		/* Out of the app's process group: a terminal's signals go to the app. */
		setpgid(0, 0);
		_exit(serve(self, offset, dir, ready[1], keep[0]));
	}
	close(ready[1]);
	close(keep[0]);
	char c = 0;
	while (read(ready[0], &c, 1) < 0 && errno == EINTR)
		;
	close(ready[0]);
	if (c != 's') {
		waitpid(pid, NULL, 0);
		rmdir(dir);
		close(keep[1]);
		return;
	}
	if (print_only) {
		printf("%s\n", dir);
		fflush(stdout);
		pause();
		exit(0);
	}
	/* keep[1] stays open (no close-on-exec) in the app and its children. */
	set_env(self, dir, argv0);
	exec_apprun(dir, args);
}

static void usage(void)
{
	printf("AppImage options (type 2 runtime, %s):\n"
	       "  --appimage-extract-and-run  extract to a temporary folder, run, remove it\n"
	       "                              (also APPIMAGE_EXTRACT_AND_RUN=1)\n"
	       "  --appimage-extract          extract to ./squashfs-root\n"
	       "  --appimage-mount            mount, print the mount point, wait\n"
	       "  --appimage-offset           print the offset of the image in this file\n"
	       "  --appimage-help, --appimage-version\n"
	       "Without FUSE the image is extracted and run instead of mounted.\n",
	       RUNTIME_VERSION);
}

int main(int argc, char **argv)
{
	char self[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
	if (n <= 0)
		die("cannot find this program's own file (/proc/self/exe)");
	self[n] = 0;
	prog = argv[0];
	off_t offset = elf_size(self);
	if (offset <= 0)
		die("no squashfs image after the runtime: this file is not a complete AppImage");

	/* args[0] is replaced by AppRun's path; the app's own arguments follow. */
	char **args = calloc(argc + 1, sizeof *args);
	if (!args)
		die("out of memory");
	const char *opt = argc > 1 && strncmp(argv[1], "--appimage-", 11) == 0 ? argv[1] : NULL;
	int first = opt ? 2 : 1;
	for (int i = first; i < argc; i++)
		args[i - first + 1] = argv[i];

	if (opt) {
		if (strcmp(opt, "--appimage-offset") == 0) {
			printf("%lld\n", (long long)offset);
			return 0;
		}
		if (strcmp(opt, "--appimage-help") == 0) {
			usage();
			return 0;
		}
		if (strcmp(opt, "--appimage-version") == 0) {
			printf("%s\n", RUNTIME_VERSION);
			return 0;
		}
		if (strcmp(opt, "--appimage-extract") == 0) {
			if (extract(self, offset, "squashfs-root") != 0)
				die("cannot extract the image");
			printf("squashfs-root\n");
			return 0;
		}
		if (strcmp(opt, "--appimage-extract-and-run") == 0)
			return extract_and_run(self, offset, argv[0], args);
		if (strcmp(opt, "--appimage-mount") == 0) {
			mount_and_run(self, offset, argv[0], args, true);
			die("cannot mount the image (FUSE unavailable?)");
		}
		fprintf(stderr, "%s: unknown option %s\n", prog, opt);
		usage();
		return 1;
	}
	const char *ear = getenv("APPIMAGE_EXTRACT_AND_RUN");
	if (ear && strcmp(ear, "1") == 0)
		return extract_and_run(self, offset, argv[0], args);
	mount_and_run(self, offset, argv[0], args, false);
	fprintf(stderr, "%s: FUSE is not available here; extracting to a temporary folder instead "
		"(install fuse3 for a faster start)\n", prog);
	return extract_and_run(self, offset, argv[0], args);
}
