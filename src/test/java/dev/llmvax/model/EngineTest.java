package dev.llmvax.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SegmentAllocator;
import java.lang.foreign.StructLayout;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class EngineTest {
    private static final Linker LINKER = Linker.nativeLinker();
    private static final SymbolLookup LIBC = LINKER.defaultLookup();

    private static boolean glibc() {
        return LIBC.find("gnu_get_libc_version").isPresent() && LIBC.find("mallinfo2").isPresent();
    }

    private static boolean userSetMalloc() {
        return System.getenv("MALLOC_MMAP_THRESHOLD_") != null || System.getenv("MALLOC_TRIM_THRESHOLD_") != null
                || System.getenv("GLIBC_TUNABLES") != null;
    }

    @Test
    void tunesGlibcMallocUnlessTheUserDid() {
        Engine.init();
        assertThat(Engine.mallocTuned()).isEqualTo(glibc() && !userSetMalloc());
    }

    @Test
    void aTensorSizedBlockComesFromTheHeapNotAFreshMapping() throws Throwable {
        Engine.init();
        assumeTrue(Engine.mallocTuned(), "glibc with llmvax's malloc settings");
        // struct mallinfo2: ten size_t fields; hblks (the 4th) counts blocks mmapped on their own. Under glibc's
        // default a 24 MiB block is one of those, and its pages come back zeroed from the kernel on every reuse.
        StructLayout info = MemoryLayout.structLayout(IntStream.range(0, 10)
                .mapToObj(i -> ValueLayout.JAVA_LONG.withName("f" + i)).toArray(MemoryLayout[]::new));
        MethodHandle mallinfo2 = LINKER.downcallHandle(LIBC.find("mallinfo2").orElseThrow(),
                FunctionDescriptor.of(info));
        MethodHandle malloc = LINKER.downcallHandle(LIBC.find("malloc").orElseThrow(),
                FunctionDescriptor.of(ValueLayout.ADDRESS, ValueLayout.JAVA_LONG));
        MethodHandle free = LINKER.downcallHandle(LIBC.find("free").orElseThrow(),
                FunctionDescriptor.ofVoid(ValueLayout.ADDRESS));
        try (Arena arena = Arena.ofConfined()) {
            long before = hblks((MemorySegment) mallinfo2.invokeExact((SegmentAllocator) arena));
            MemorySegment block = (MemorySegment) malloc.invokeExact(24L << 20);
            long during = hblks((MemorySegment) mallinfo2.invokeExact((SegmentAllocator) arena));
            free.invokeExact(block);
            assertThat(block.address()).isNotZero();
            assertThat(during).isEqualTo(before);
        }
    }

    private static long hblks(MemorySegment info) {
        return info.get(ValueLayout.JAVA_LONG, 3 * 8);
    }
}
